#!/usr/bin/env bash
# Everything CI checks, in order (`.ci/run` runs this script):
#
#   bash scripts/test.sh
#
# Every stage runs even after an earlier one failed (except those that need a build that
# failed), so one run shows all failures. The last line is `N passed, N failed` (stages); the
# summary above it lists each stage with its time and the test counts its runner reported.
# Exit status: 0 only if every stage passed.
set -uo pipefail

# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PDSIM_ROOT" || exit 1

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-always}"
LOGDIR="$(mktemp -d "${TMPDIR:-/tmp}/pdsim-test.XXXXXX")"
trap 'rm -rf "$LOGDIR"' EXIT

STAGES=(
  "setup|bash scripts/setup.sh"
  "rustfmt|cargo fmt --all --check"
  "import cycles|python3 scripts/check-import-cycles.py crates/pdsim/src crates/pdsim-cli/src crates/pdsim-wasm/src web/src"
  "clippy (host)|cargo clippy --workspace --all-targets -- -D warnings"
  "clippy (wasm32)|wasm_cargo clippy -p pdsim -p pdsim-wasm -p pdsim-web --target $WASM_TARGET -- -D warnings"
  "unit tests (host)|cargo test --workspace"
  "rustdoc|RUSTDOCFLAGS='-D warnings' cargo doc --no-deps -p pdsim -p pdsim-cli"
  "licenses, bans, sources|cargo deny --log-level error check licenses bans sources"
  "native vs wasm determinism|bash scripts/check-wasm-determinism.sh"
  "python package|bash scripts/test-python.sh"
  "JS API|bash scripts/check-js-api.sh"
  "wasm purity|bash scripts/check-wasm-purity.sh"
  "unit tests (wasm32)|wasm_cargo test -p pdsim --target $WASM_TARGET"
  "trunk build|wasm_run trunk build --release"
  "bundle size|bash scripts/bundle-size.sh"
  "end-to-end tests|cd tests/e2e && node --test --test-concurrency=1 --test-reporter=spec"
)
# Stages that only make sense when the named earlier stage passed.
declare -A NEEDS=(
  ["bundle size"]="trunk build"
  ["end-to-end tests"]="trunk build"
)

declare -A RESULT=()
SUMMARY=()
passed=0
failed=0
total=${#STAGES[@]}

# Test counts from a runner's output: cargo/libtest and wasm-bindgen-test-runner print
# "test result: ok. N passed; N failed; N ignored; ...", node --test prints "pass N"/"fail N",
# pytest closes with "==== N passed, N failed, N skipped in 5.51s ====".
test_counts() {
  local log="$1"
  sed -e 's/\x1b\[[0-9;]*m//g' "$log" | awk '
    /test result:/ {
      for (i = 1; i <= NF; i++) {
        if ($(i) ~ /^passed;?$/) p += $(i - 1)
        if ($(i) ~ /^failed;?$/) f += $(i - 1)
        if ($(i) ~ /^ignored;?$/) g += $(i - 1)
      }
      seen = 1
    }
    /^=+ .*[0-9]+ (passed|failed|skipped|errors?)(,| in ).* =+$/ {
      for (i = 2; i <= NF; i++) {
        word = $(i)
        sub(/,$/, "", word)
        if (word == "passed") p += $(i - 1)
        if (word == "failed" || word == "error" || word == "errors") f += $(i - 1)
        if (word == "skipped") g += $(i - 1)
      }
      seen = 1
    }
    /^(ℹ |# )(pass|fail|skipped) [0-9]+$/ {
      if ($2 == "pass") p += $3
      if ($2 == "fail") f += $3
      if ($2 == "skipped") g += $3
      seen = 1
    }
    END { if (seen) printf "tests: %d passed, %d failed, %d ignored", p, f, g }'
}

n=0
for stage in "${STAGES[@]}"; do
  n=$((n + 1))
  name="${stage%%|*}"
  cmd="${stage#*|}"
  printf '\n\033[1m==> [%d/%d] %s\033[0m\n    $ %s\n' "$n" "$total" "$name" "$cmd"

  need="${NEEDS[$name]:-}"
  if [[ -n "$need" && "${RESULT[$need]:-}" != pass ]]; then
    echo "    not run: needs '$need', which failed"
    RESULT[$name]=fail
    failed=$((failed + 1))
    SUMMARY+=("$(printf 'FAIL  %-28s %6s  not run (needs %s)' "$name" "-" "$need")")
    continue
  fi

  log="$LOGDIR/$n.log"
  start=$SECONDS
  (eval "$cmd") 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  secs=$((SECONDS - start))
  counts="$(test_counts "$log")"
  if ((status == 0)); then
    RESULT[$name]=pass
    passed=$((passed + 1))
    verdict=PASS
  else
    RESULT[$name]=fail
    failed=$((failed + 1))
    verdict=FAIL
  fi
  printf '    %s: %s in %d s%s\n' "$verdict" "$name" "$secs" "${counts:+ ($counts)}"
  SUMMARY+=("$(printf '%s  %-28s %5ds  %s' "$verdict" "$name" "$secs" "$counts")")
done

printf '\n\033[1m==> Summary\033[0m (%d s)\n' "$SECONDS"
printf '    %s\n' "${SUMMARY[@]}"
echo "$passed passed, $failed failed"
((failed == 0))
