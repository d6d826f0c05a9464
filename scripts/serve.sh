#!/usr/bin/env bash
# Builds the playground (release) and serves it at http://127.0.0.1:8080 (PORT to change it;
# PREFIX=/some/sub/path/ serves it under that path instead of the root).
#
#   bash scripts/serve.sh
set -euo pipefail

# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PDSIM_ROOT"

bash scripts/setup.sh
wasm_run trunk build --release
# PREFIX=/docs/pdsim/ serves it under a subpath, as documentation sites host it.
exec node tests/e2e/static-server.js dist "${PORT:-8080}" "${HOST:-127.0.0.1}" "${PREFIX:-/}"
