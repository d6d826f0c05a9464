#!/usr/bin/env bash
# Before/after check for refactors: the reports of every named example and of a few hundred
# generated configs, produced by `pdsim` built at BASE_REV and by `pdsim` built from the working
# tree, must be byte-identical. Lists every output that differs and exits non-zero if any does.
#
#   bash scripts/same-reports.sh [BASE_REV]        (default HEAD: the working tree's changes)
#
# Besides the JSON reports it compares each example's config (`pdsim example NAME`), its
# summary table (`run --summary`), the four JSON Schemas, the catalog and a few step times, so
# a change to a serde name or a string table shows up too. Error outputs (stderr and exit
# status) are compared as well.
#
# BASE_REV is checked out in a detached git worktree under $PDSIM_SAME_DIR (default
# /tmp/pdsim-same-reports) and built there with its own target directory, which later runs
# reuse (only what changed since is rebuilt). The working tree builds into $CARGO_TARGET_DIR
# (default target/).
#
# Environment:
#   PDSIM_SAME_COUNT  generated configs (default 300; the seeded generator in
#                     tests/determinism/configs.mjs, the same one compare.mjs uses)
#   PDSIM_SAME_SKIP   space-separated example names to leave out (default none; every
#                     example, the 100,000-request `bench` too, runs in well under a second)
#   PDSIM_SAME_JOBS   runs in parallel (default: the number of CPUs)
set -euo pipefail

root=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)
cd "$root"
base_arg=${1:-HEAD}
base=$(git rev-parse --verify "${base_arg}^{commit}")
work=${PDSIM_SAME_DIR:-/tmp/pdsim-same-reports}
count=${PDSIM_SAME_COUNT:-300}
skip=${PDSIM_SAME_SKIP:-}
jobs=${PDSIM_SAME_JOBS:-$(nproc)}
tree="$work/tree"

mkdir -p "$work"
# One run at a time per directory: a second run would check out another revision in the
# worktree and rewrite the outputs under the first. It waits for the first to finish.
exec 9>"$work/lock"
if ! flock -n 9; then
  echo "same-reports: waiting for another run using $work (PDSIM_SAME_DIR picks another)"
  flock 9
fi
# The worktree of an earlier run is reused; a stale registration (its directory deleted) is
# pruned first, since git refuses to add a worktree at a registered path.
git worktree prune
if [ -e "$tree/.git" ]; then
  git -C "$tree" checkout --quiet --detach --force "$base"
else
  rm -rf "$tree"
  git worktree add --quiet --detach "$tree" "$base"
fi

echo "same-reports: building the base ($base_arg = ${base:0:12}) in $tree"
(cd "$tree" && CARGO_TARGET_DIR="$work/target" cargo build --quiet --release -p pdsim-cli)
base_bin="$work/target/release/pdsim"
echo "same-reports: building the working tree"
cargo build --quiet --release -p pdsim-cli
target_dir=${CARGO_TARGET_DIR:-target}
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
new_bin="$target_dir/release/pdsim"

# The cases, one a line: NAME<TAB>ARGS (ARGS as `pdsim` arguments; `@example NAME` means
# "print the example with this binary, then run that config with it", so each revision runs
# its own example, and the example's config is compared separately).
configs="$work/configs"
rm -rf "$configs"
node tests/determinism/write-configs.mjs "$configs" "$count"
example_names() {
  "$1" example | tail -n +2 | awk '{print $1}'
}
names=$( (example_names "$base_bin"; example_names "$new_bin") | sort -u)
cases="$work/cases.tsv"
{
  for name in $names; do
    case " $skip " in *" $name "*) continue ;; esac
    printf 'example-%s.config\texample %s\n' "$name" "$name"
    printf 'example-%s.report\t@example %s\n' "$name" "$name"
    printf 'example-%s.summary\t@example %s --summary\n' "$name" "$name"
  done
  for file in "$configs"/*.json; do
    printf '%s\trun %s\n' "$(basename "$file" .json).report" "$file"
  done
  printf 'schema-config\tschema\n'
  printf 'schema-report\tschema --report\n'
  printf 'schema-step-time-query\tschema --step-time-query\n'
  printf 'schema-step-time\tschema --step-time\n'
  printf 'catalog\tcatalog\n'
  printf 'catalog-json\tcatalog --json\n'
  printf 'step-time-prefill\tstep-time --model llama-3.1-8b --hardware h100-sxm --tp 1 --prefill 2048 --json\n'
  printf 'step-time-decode\tstep-time --model qwen3-32b --hardware h200 --tp 2 --decode 64 --context 3000\n'
  printf 'step-time-dtypes\tstep-time --model llama-3.1-70b --hardware b200 --tp 4 --weight-dtype fp8 --kv-dtype fp8 --decode 32 --context 8000 --json\n'
} >"$cases"

# run_case BIN OUT_DIR NAME ARGS...: stdout to OUT_DIR/NAME, stderr and exit status to
# OUT_DIR/NAME.err.
run_case() {
  local bin=$1 out=$2 name=$3
  shift 3
  local status=0
  if [ "$1" = "@example" ]; then
    shift
    local example=$1
    shift
    "$bin" example "$example" 2>"$out/$name.err" | "$bin" run - "$@" >"$out/$name" 2>>"$out/$name.err" || status=$?
  else
    "$bin" "$@" >"$out/$name" 2>"$out/$name.err" || status=$?
  fi
  echo "exit status $status" >>"$out/$name.err"
}
export -f run_case

run_all() {
  local bin=$1 out=$2
  rm -rf "$out"
  mkdir -p "$out"
  # shellcheck disable=SC2016
  tr '\t' ' ' <"$cases" | xargs -P "$jobs" -L 1 bash -c 'run_case "$0" "$1" "${@:2}"' "$bin" "$out"
}

start=$SECONDS
run_all "$base_bin" "$work/out-base"
run_all "$new_bin" "$work/out-new"

total=0
differ=0
while IFS=$'\t' read -r name _; do
  total=$((total + 1))
  for file in "$name" "$name.err"; do
    if ! cmp -s "$work/out-base/$file" "$work/out-new/$file"; then
      differ=$((differ + 1))
      echo "differs: $file ($(cmp "$work/out-base/$file" "$work/out-new/$file" 2>&1 | head -1))"
      break
    fi
  done
done <"$cases"

skipped=""
[ -n "$skip" ] && skipped=" (examples left out: $skip)"
echo "same-reports: ${base_arg} vs working tree: $((total - differ)) identical, $differ differing, of $total outputs$skipped, in $((SECONDS - start)) s"
echo "same-reports: outputs in $work/out-base and $work/out-new"
[ "$differ" -eq 0 ]
