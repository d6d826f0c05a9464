#!/usr/bin/env bash
# Installs what building and testing pdsim needs, skipping whatever is already there
# (a second run takes a few seconds). Safe to run any number of times.
#
#   bash scripts/setup.sh
#
# What it ensures:
#   - host Rust: cargo, rustfmt, clippy (rustup);
#   - a wasm32 route (see scripts/env.sh): `rustup target add wasm32-unknown-unknown` bounded by
#     a timeout (it hangs without internet), else Debian's rustc-web linked as the rustup
#     toolchain `debian-web` + build-std + wasm-ld-19;
#   - wasm-bindgen-cli at the exact version of the wasm-bindgen crate in Cargo.lock
#     (also provides wasm-bindgen-test-runner);
#   - trunk 0.21.14;
#   - the npm packages of tests/e2e (playwright-core, binaryen's wasm-opt) via `npm ci`;
#   - Chromium and chromedriver (Debian packages);
#   - python3 with its venv module (Debian's python3-venv where it lacks one), for the Python
#     package's tests (scripts/test-python.sh; it installs maturin, pytest and pandas itself).
set -euo pipefail

# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PDSIM_ROOT"

START=$SECONDS
log() { printf '[setup] %s\n' "$*"; }
die() {
  printf '[setup] error: %s\n' "$*" >&2
  exit 1
}

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  SUDO=(sudo)
fi

# Debian packages not yet installed, from the arguments.
apt_missing() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

APT_UPDATED=0
apt_install() {
  local missing
  mapfile -t missing < <(apt_missing "$@")
  ((${#missing[@]} == 0)) && return 0
  command -v apt-get >/dev/null || die "please install: ${missing[*]}"
  log "apt: installing ${missing[*]}"
  if ((APT_UPDATED == 0)); then
    "${SUDO[@]}" apt-get update -qq
    APT_UPDATED=1
  fi
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- host Rust -------------------------------------------------------------------------------
command -v rustup >/dev/null || die "rustup not found (https://rustup.rs)"
command -v cargo >/dev/null || die "cargo not found"
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  log "rustup: adding rustfmt and clippy"
  timeout 300 rustup component add rustfmt clippy || die "could not add rustfmt/clippy"
fi

# --- wasm32 route ----------------------------------------------------------------------------
debian_route_ready() {
  [[ -z "$(apt_missing rustc-web cargo-web rust-web-src rust-web-clippy lld-19)" ]] &&
    rustup toolchain list | grep -q "^$PDSIM_DEBIAN_TOOLCHAIN"
}

setup_debian_route() {
  apt_install rustc-web cargo-web rust-web-src rust-web-clippy lld-19
  if ! rustup toolchain list | grep -q "^$PDSIM_DEBIAN_TOOLCHAIN"; then
    log "rustup: linking Debian's compiler (/usr) as toolchain $PDSIM_DEBIAN_TOOLCHAIN"
    rustup toolchain link "$PDSIM_DEBIAN_TOOLCHAIN" /usr
  fi
}

mkdir -p "$PDSIM_CACHE"
route=""
forced="${PDSIM_WASM_ROUTE:-}" # set to rustup or debian to force a route
if [[ "$forced" == debian ]]; then
  setup_debian_route
  route=debian
elif [[ "$forced" == rustup ]]; then
  timeout 60 rustup target add "$WASM_TARGET" || die "rustup could not add $WASM_TARGET"
  route=rustup
elif rustup target list --installed 2>/dev/null | grep -qx "$WASM_TARGET"; then
  route=rustup
elif [[ "$(cat "$PDSIM_CACHE/wasm-route" 2>/dev/null)" == debian ]] && debian_route_ready; then
  route=debian
else
  log "rustup: trying 'rustup target add $WASM_TARGET' (60 s timeout)"
  if timeout 60 rustup target add "$WASM_TARGET"; then
    route=rustup
  else
    log "rustup could not add the target: using Debian's rustc-web (build-std) instead"
    setup_debian_route
    route=debian
  fi
fi
# Remember the route for env.sh (not when forced: a forced route is for that run only).
[[ -n "$forced" ]] || echo "$route" >"$PDSIM_CACHE/wasm-route"
log "wasm32 route: $route"

# --- cargo-installed tools -------------------------------------------------------------------
bindgen_version="$(pdsim_wasm_bindgen_version)"
[[ -n "$bindgen_version" ]] || die "no wasm-bindgen crate in Cargo.lock"
have_bindgen="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
have_runner="$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{print $2}' || true)"
if [[ "$have_bindgen" != "$bindgen_version" || "$have_runner" != "$bindgen_version" ]]; then
  # Without --locked: the crate's own lock file names a dependency version crates.io lacks.
  log "cargo install wasm-bindgen-cli $bindgen_version (a few minutes; found: ${have_bindgen:-none})"
  cargo install wasm-bindgen-cli --version "$bindgen_version" --force
fi

have_trunk="$(trunk --version 2>/dev/null | awk '{print $2}' || true)"
if [[ "$have_trunk" != "$TRUNK_VERSION" ]]; then
  # --locked: without it a newer cssparser breaks the build. 0.22 needs a newer rustc.
  log "cargo install trunk $TRUNK_VERSION (about 10 min on 2 cores; found: ${have_trunk:-none})"
  cargo install trunk --version "$TRUNK_VERSION" --locked --force
fi

# cargo-deny: the license/bans/sources policy of deny.toml (about 4 min on 2 cores).
CARGO_DENY_VERSION=0.20.2
have_deny="$(cargo deny --version 2>/dev/null | awk '{print $2}' || true)"
if [[ "$have_deny" != "$CARGO_DENY_VERSION" ]]; then
  log "cargo install cargo-deny $CARGO_DENY_VERSION (about 4 min; found: ${have_deny:-none})"
  cargo install cargo-deny --version "$CARGO_DENY_VERSION" --locked --force
fi

# --- node: end-to-end tests and wasm-opt -----------------------------------------------------
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt_install nodejs npm
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
((node_major >= 20)) || die "node >= 20 needed (found $(node --version))"

# The node projects: tests/e2e (Playwright, wasm-opt) and the JS API's tools (TypeScript
# types generator, tsc). `npm ci` again only when a lock file changed.
for project in tests/e2e crates/pdsim-wasm/js; do
  dir="$PDSIM_ROOT/$project"
  stamp="$dir/node_modules/.pdsim-lock.sha256"
  want_stamp="$(sha256sum "$dir/package-lock.json" | awk '{print $1}')"
  if [[ "$(cat "$stamp" 2>/dev/null)" != "$want_stamp" ]]; then
    log "npm ci ($project)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want_stamp" >"$stamp"
  fi
done

# --- browser ---------------------------------------------------------------------------------
if [[ ! -x "$CHROMIUM" || ! -x "$CHROMEDRIVER" ]]; then
  apt_install chromium chromium-driver fonts-liberation
fi
[[ -x "$CHROMIUM" ]] || die "no Chromium at $CHROMIUM (set CHROMIUM)"

# --- Python: the package's tests (scripts/test-python.sh) ---------------------------------
if ! command -v python3 >/dev/null; then
  apt_install python3 python3-venv
fi
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  apt_install python3-venv
fi

log "ok in $((SECONDS - START)) s: route=$route, wasm-bindgen $bindgen_version, trunk $TRUNK_VERSION," \
  "$(wasm-opt --version | awk '{print $1, $3}'), node $(node --version), $("$CHROMIUM" --version 2>/dev/null | head -n1)," \
  "$(python3 --version)"
