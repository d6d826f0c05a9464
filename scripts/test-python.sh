#!/usr/bin/env bash
# Builds the Python package (crates/pdsim-py) into a venv, the way its users install it, and
# runs its tests:
#
#   bash scripts/test-python.sh
#
# The venv is target/py-venv (PDSIM_PY_VENV to move it), kept between runs. The tests compare
# numbers with the CLI of the same checkout, target/release/pdsim, built here if stale (a no-op
# after the determinism stage of scripts/test.sh). One release build of the extension, a few
# minutes on 2 cores the first time.
set -euo pipefail

# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PDSIM_ROOT"

venv="${PDSIM_PY_VENV:-$PDSIM_ROOT/target/py-venv}"
if [[ ! -x "$venv/bin/python" ]]; then
  echo "[python] creating the venv $venv"
  python3 -m venv "$venv"
fi
py="$venv/bin/python"
# The maturin build backend runs `maturin` from PATH.
export PATH="$venv/bin:$PATH"
export PIP_DISABLE_PIP_VERSION_CHECK=1
# maturin is the package's build backend (pyproject.toml); pytest, pandas and anywidget (the
# notebook widget) run the tests.
"$py" -m pip install --quiet "maturin>=1.9.4,<2" pytest pandas anywidget

echo "[python] cargo build --release -p pdsim-cli (the CLI the tests compare with)"
cargo build --release -p pdsim-cli

echo "[python] pip install ./crates/pdsim-py (a release build of the extension)"
start=$SECONDS
# --no-build-isolation: the maturin just installed builds it (no second download);
# --force-reinstall: the version does not change between commits.
"$py" -m pip install --quiet --no-build-isolation --force-reinstall --no-deps ./crates/pdsim-py
echo "[python] built and installed in $((SECONDS - start)) s"

cd crates/pdsim-py
PDSIM_CLI="$PDSIM_ROOT/target/release/pdsim" "$py" -m pytest tests -p no:cacheprovider -ra
