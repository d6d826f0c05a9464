#!/usr/bin/env bash
# Native vs wasm32 determinism: builds the JS API for node and the native CLI, then runs the
# same configs through both and compares the reports byte for byte.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PDSIM_ROOT"

target_dir="${CARGO_TARGET_DIR:-$PDSIM_ROOT/target}"
wasm_cargo build -p pdsim-wasm --target "$WASM_TARGET" --release
wasm-bindgen --target nodejs --out-dir "$target_dir/pkg-node" "$target_dir/$WASM_TARGET/release/pdsim_wasm.wasm"
cargo build -p pdsim-cli --release
node tests/determinism/compare.mjs "$target_dir/pkg-node" "$target_dir/release/pdsim" "${PDSIM_DETERMINISM_CONFIGS:-100}"
