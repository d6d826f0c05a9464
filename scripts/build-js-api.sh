#!/usr/bin/env bash
# Builds the JavaScript API: an ES module (wasm-bindgen --target web) with TypeScript types
# generated from the core's JSON Schemas, into target/js-api/ (or $1).
#
#   bash scripts/build-js-api.sh [OUT_DIR]
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PDSIM_ROOT"
out="${1:-target/js-api}"

pdsim_build_js_module "$out"
cargo build -p pdsim-cli --release
(cd crates/pdsim-wasm/js && { [[ -d node_modules ]] || npm ci --no-audit --no-fund; })
node crates/pdsim-wasm/js/gen-types.mjs "${CARGO_TARGET_DIR:-$PDSIM_ROOT/target}/release/pdsim" "$out/pdsim-types.d.ts"
ls -l "$out"
