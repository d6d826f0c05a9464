#!/usr/bin/env bash
# Sizes of the web bundle in dist/ (raw and gzip -9), and the size budget: all .wasm files
# together must stay under PDSIM_WASM_BUDGET_KB KiB gzipped (default 500).
#
#   bash scripts/bundle-size.sh [DIST=dist]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

dist="${1:-dist}"
budget_kb="${PDSIM_WASM_BUDGET_KB:-500}"
shopt -s nullglob
files=("$dist"/*.wasm "$dist"/*.js "$dist"/*.css "$dist"/*.html)
((${#files[@]} > 0)) || {
  echo "error: nothing in $dist (run trunk build first)" >&2
  exit 1
}

wasm_gz=0
printf '%-44s %10s %10s\n' file raw gzip
for f in "${files[@]}"; do
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  [[ "$f" == *.wasm ]] && wasm_gz=$((wasm_gz + gz))
  printf '%-44s %10d %10d\n' "$(basename "$f")" "$raw" "$gz"
done
printf 'wasm total (gzip): %d bytes = %d KiB, budget %d KiB\n' "$wasm_gz" $((wasm_gz / 1024)) "$budget_kb"
if ((wasm_gz > budget_kb * 1024)); then
  echo "FAIL: the wasm bundle is over budget" >&2
  exit 1
fi
