#!/usr/bin/env bash
# The JS API end to end: build the ES module and its types, type-check the types, run the
# documented example in node and compare its report with the native CLI's.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PDSIM_ROOT"

target_dir="${CARGO_TARGET_DIR:-$PDSIM_ROOT/target}"
bash scripts/build-js-api.sh "$target_dir/js-api"
PDSIM_JS_API="$target_dir/js-api" PDSIM_BIN="$target_dir/release/pdsim" \
  node --test crates/pdsim-wasm/js/example.test.mjs
# The generated types compile and describe the API (tsc against the built module).
rm -rf crates/pdsim-wasm/js/pkg && cp -r "$target_dir/js-api" crates/pdsim-wasm/js/pkg
(cd crates/pdsim-wasm/js && npx tsc --noEmit --strict --target es2022 --module es2022 \
  --moduleResolution bundler --skipLibCheck false check-types.ts)
echo "TypeScript types: ok"
