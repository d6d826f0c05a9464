# shellcheck shell=bash
# Environment of the project's scripts. Source it (bash):
#
#   source scripts/env.sh
#   wasm_cargo clippy -p pdsim --target wasm32-unknown-unknown -- -D warnings
#   wasm_run trunk build --release
#
# It puts the project's tools on PATH (cargo-installed trunk and wasm-bindgen, the npm
# `binaryen` wasm-opt of tests/e2e) and defines `wasm_run CMD...` / `wasm_cargo ARGS...`, which
# run a wasm command on the route scripts/setup.sh chose (see docs in /work/shared/TOOLCHAIN.md):
#
#   rustup  `rustup target add wasm32-unknown-unknown` worked: plain cargo.
#   debian  Debian's rustc-web linked as the rustup toolchain `debian-web`, the standard library
#           built from source (build-std) and linked with wasm-ld-19. These variables are set ONLY
#           for wasm commands: build-std needs an explicit --target, so native builds must not
#           see them.
#
# Both routes use wasm-bindgen-test-runner as the runner of `cargo test --target wasm32-...`.

PDSIM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PDSIM_ROOT

# Where setup.sh records machine-level decisions (the wasm route), outside the clone so a fresh
# clone on the same machine reuses them.
PDSIM_CACHE="${PDSIM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pdsim}"
export PDSIM_CACHE

export WASM_TARGET=wasm32-unknown-unknown
export TRUNK_VERSION=0.21.14
# The rustup toolchain name under which Debian's compiler is linked.
export PDSIM_DEBIAN_TOOLCHAIN=debian-web

_pdsim_path_prepend() {
  case ":$PATH:" in
    *":$1:"*) ;;
    *) PATH="$1:$PATH" ;;
  esac
}
_pdsim_path_prepend "$HOME/.cargo/bin"
_pdsim_path_prepend "$PDSIM_ROOT/tests/e2e/node_modules/.bin"
export PATH

# Browsers for the end-to-end tests and wasm-bindgen-test-runner.
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"

# Trunk: no update check against crates.io on every build.
export TRUNK_SKIP_VERSION_CHECK=true

# The exact version of the wasm-bindgen crate in Cargo.lock (wasm-bindgen-cli must match it).
pdsim_wasm_bindgen_version() {
  awk '
    $0 == "[[package]]" { name = "" }
    /^name = / { name = $3; gsub(/"/, "", name) }
    /^version = / && name == "wasm-bindgen" { v = $3; gsub(/"/, "", v); print v; exit }
  ' "$PDSIM_ROOT/Cargo.lock"
}

# The wasm route: "rustup" or "debian" (written by setup.sh), else detected.
pdsim_wasm_route() {
  if [[ -n "${PDSIM_WASM_ROUTE:-}" ]]; then
    echo "$PDSIM_WASM_ROUTE"
  elif [[ -f "$PDSIM_CACHE/wasm-route" ]]; then
    cat "$PDSIM_CACHE/wasm-route"
  elif rustup target list --installed 2>/dev/null | grep -qx "$WASM_TARGET"; then
    echo rustup
  elif rustup toolchain list 2>/dev/null | grep -q "^$PDSIM_DEBIAN_TOOLCHAIN"; then
    echo debian
  else
    echo none
  fi
}

# The variables of a wasm command, one NAME=VALUE per line.
pdsim_wasm_vars() {
  echo "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner"
  case "$(pdsim_wasm_route)" in
    debian)
      echo "RUSTUP_TOOLCHAIN=$PDSIM_DEBIAN_TOOLCHAIN"
      echo "RUSTC_BOOTSTRAP=1"
      echo "CARGO_UNSTABLE_BUILD_STD=std,panic_abort"
      echo "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-19"
      ;;
  esac
}

# wasm_run CMD ARGS...: run any command that builds for wasm32 (trunk, cargo, scripts).
wasm_run() {
  local vars=()
  mapfile -t vars < <(pdsim_wasm_vars)
  env "${vars[@]}" "$@"
}

# wasm_cargo ARGS...: cargo for wasm32 (pass --target wasm32-unknown-unknown yourself).
wasm_cargo() {
  wasm_run cargo "$@"
}

# The wasm-opt flags of every wasm module pdsim ships (index.html repeats them for Trunk,
# which takes them from the page).
PDSIM_WASM_OPT_FLAGS=(-Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-reference-types --enable-multivalue)

# pdsim_build_js_module OUT_DIR [PROFILE]: the JavaScript API's ES module (pdsim_wasm.js and
# pdsim_wasm_bg.wasm, wasm-bindgen --target web, wasm-opt when available) into OUT_DIR, built
# with cargo PROFILE (default release; the lessons page takes web-release, the smallest).
# Used by scripts/build-js-api.sh and scripts/stage-lessons.sh.
pdsim_build_js_module() {
  local out="$1"
  local profile="${2:-release}"
  local target_dir="${CARGO_TARGET_DIR:-$PDSIM_ROOT/target}"
  wasm_cargo build -p pdsim-wasm --target "$WASM_TARGET" --profile "$profile" || return 1
  wasm-bindgen --target web --out-dir "$out" "$target_dir/$WASM_TARGET/$profile/pdsim_wasm.wasm" || return 1
  if command -v wasm-opt >/dev/null; then
    wasm-opt "${PDSIM_WASM_OPT_FLAGS[@]}" -o "$out/pdsim_wasm_bg.wasm" "$out/pdsim_wasm_bg.wasm" || return 1
  fi
}
