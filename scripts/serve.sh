#!/usr/bin/env bash
# Builds the playground (release) and serves it at http://127.0.0.1:8080 (PORT to change it).
#
#   bash scripts/serve.sh
set -euo pipefail

# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PDSIM_ROOT"

bash scripts/setup.sh
wasm_run trunk build --release
exec node tests/e2e/static-server.js dist "${PORT:-8080}" "${HOST:-127.0.0.1}"
