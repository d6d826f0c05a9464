#!/usr/bin/env bash
# Sizes of the web bundle in dist/ (raw and gzip -9), and the size budget: everything the page
# loads (.wasm + .js + .css + .html) together must stay at most PDSIM_BUNDLE_BUDGET bytes
# gzipped (default 515000 = 515 KB; decimal, as tests/e2e/performance.test.js checks it).
# The project's target is 500 KB; the limit stays above it while the page is cut back to it
# (Node's gzip in tests/e2e/performance.test.js counts a few KB more than gzip -9 here, and
# checks the same limit). Where the bundle stands, what each cut gained and where the rest
# is: BENCHMARKS.md, "The playground's bundle"; how the limit moved: docs/HISTORY.md.
#
#   bash scripts/bundle-size.sh [DIST=dist]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

dist="${1:-dist}"
budget="${PDSIM_BUNDLE_BUDGET:-515000}"
shopt -s nullglob
files=("$dist"/*.wasm "$dist"/*.js "$dist"/*.css "$dist"/*.html)
((${#files[@]} > 0)) || {
  echo "error: nothing in $dist (run trunk build first)" >&2
  exit 1
}

wasm_gz=0
total_gz=0
printf '%-44s %10s %10s\n' file raw gzip
for f in "${files[@]}"; do
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  [[ "$f" == *.wasm ]] && wasm_gz=$((wasm_gz + gz))
  total_gz=$((total_gz + gz))
  printf '%-44s %10d %10d\n' "$(basename "$f")" "$raw" "$gz"
done
printf 'wasm (gzip): %d bytes\n' "$wasm_gz"
printf 'total (gzip): %d bytes, budget %d bytes (%d left)\n' "$total_gz" "$budget" $((budget - total_gz))
# The lessons page loads its own module (dist/lessons/), outside the playground's budget.
if [[ -d "$dist/lessons" ]]; then
  lessons_gz=0
  for f in "$dist"/lessons/*; do
    lessons_gz=$((lessons_gz + $(gzip -9 -c "$f" | wc -c)))
  done
  printf 'lessons page module (gzip, not in the budget): %d bytes\n' "$lessons_gz"
fi
if ((total_gz > budget)); then
  echo "FAIL: the bundle is over budget" >&2
  exit 1
fi
