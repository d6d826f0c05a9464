#!/usr/bin/env bash
# Sizes of the web bundle in dist/ (raw and gzip -9), and the size budget: everything the page
# loads (.wasm + .js + .css + .html) together must stay at most PDSIM_BUNDLE_BUDGET bytes
# gzipped (default 515000 = 515 KB; decimal, as tests/e2e/performance.test.js checks it).
# The project's target is 500 KB: on 2026-12-07 the features of that day (any HuggingFace
# model, speculative decoding, KV offload tiers, the scheduler, cost and energy, planner
# objectives, embeds, share URLs in the core) took the bundle from 487 KB to 544 KB, and the
# limit was raised to 560 KB until the page is cut back under 500 KB; the cuts of that day
# brought it to 526 KB, and later ones (after new HuggingFace families: 532 KB) to 508 KB;
# the limit was then 515 KB; three serde cuts (shared readers of named enums and of the
# calibration's factors, the untagged specs read through a JSON value) took it to 501 KB and
# the limit to 510 KB (Node's gzip in tests/e2e/performance.test.js gives about 3.8 KB more
# than gzip -9 here: 505,025), so those cuts stay, until the last 1.2 KB are cut too
# (BENCHMARKS.md, "2026-12-07, bundle": what each gained, where the rest is).
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
