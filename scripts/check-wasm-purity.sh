#!/usr/bin/env bash
# Wasm purity check: the core compiles for wasm32, and a wasm module built from it (the
# pdsim-wasm cdylib, release) imports nothing from the host's `env` module. An `env` import
# means some code reached for the OS or libc (clock, file, random source, a C symbol...), which
# a browser cannot provide.
#
#   bash scripts/check-wasm-purity.sh      (after scripts/setup.sh)
set -euo pipefail

# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PDSIM_ROOT"

wasm_cargo build -p pdsim-wasm --target "$WASM_TARGET" --release

target_dir="${CARGO_TARGET_DIR:-$PDSIM_ROOT/target}"
wasm="$target_dir/$WASM_TARGET/release/pdsim_wasm.wasm"
[[ -f "$wasm" ]] || {
  echo "error: $wasm not found" >&2
  exit 1
}

node scripts/wasm-imports.mjs "$wasm"
