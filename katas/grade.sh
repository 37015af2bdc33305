#!/usr/bin/env bash
# grade.sh KATA [--bench]: grades your implementation in katas/ with the
# project's own tests (katas/README.md, docs/src/algorithms.md).
#
#   KATA     gcra | breaker | hash-ring | all
#   --bench  once every test passes, time your code against the reference
#            with the real criterion benches (release builds: slow the first
#            time), and print the change
#
# Each kata turns on a feature of capstone-gateway (`kata-gcra`,
# `kata-breaker`, `kata-hash-ring`; `katas` for all three) that compiles
# your file in place of the gateway's module, then runs the unit tests of
# that module, the integration tests that go through it, and the benches
# that time it, once each in criterion's test mode. The integration tests
# need Postgres, Redis and RabbitMQ (bash scripts/dev-services.sh).
#
# Exit status: 0 every test passed; 1 some test failed; 2 a kata does not
# compile (a compiler error: fix it first); 64 a usage error.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

usage() {
  sed -n '2,9s/^# \{0,1\}//p' "$0"
}

# ANCHOR: katas
# What each kata runs. Tests: libtest filters, matched against the names of
# the library's unit tests and of the integration tests (tests/gateway/).
# The filters pick the tests about this algorithm; the rest of the suite
# would pass or fail with it too, but tells less.
kata_feature() {
  case $1 in
    gcra) echo kata-gcra ;;
    breaker) echo kata-breaker ;;
    hash-ring) echo kata-hash-ring ;;
  esac
}

kata_tests() {
  case $1 in
    # `rate_limit` matches the unit tests of rate_limit/ (gcra_tests, the
    # local limiter) and the integration tests rate_limiter, rate_limits
    # and rate_limiter_cluster.
    gcra) echo "rate_limit retry_after::a_rate_limited_answer_carries_one_retry_after" ;;
    # `resilience::` matches resilience.rs's unit tests (breaker_tests) and
    # the integration tests of tests/gateway/resilience.rs.
    breaker) echo "resilience:: balancing::a_failing_instance_is_ejected_then_readmitted_after_the_cool_down retry_after::an_open_breaker_answers_503_with_one_retry_after" ;;
    hash-ring) echo "hash_ring consistent_hashing::" ;;
  esac
}

# Other targets run whole: an example that asserts what it prints.
kata_examples() {
  case $1 in
    hash-ring) echo routing_affinity ;;
  esac
}

# The bench that times it, and the criterion filter (a regex) for its lines.
kata_bench() {
  case $1 in
    gcra) echo "edge_decisions gcra_decide|rate_limit_check/local_fallback" ;;
    breaker) echo "edge_decisions circuit_breaker" ;;
    hash-ring) echo "hash_ring hash_ring_choose" ;;
  esac
}

kata_tests_file() {
  case $1 in
    gcra) echo services/gateway/src/rate_limit/gcra_tests.rs ;;
    breaker) echo services/gateway/src/resilience/breaker_tests.rs ;;
    hash-ring) echo services/gateway/src/balancer/hash_ring_tests.rs ;;
  esac
}
# ANCHOR_END: katas

KATA=${1:-}
BENCH=0
case ${2:-} in
  "") ;;
  --bench) BENCH=1 ;;
  *) usage >&2; exit 64 ;;
esac
case $KATA in
  gcra | breaker | hash-ring) KATAS=("$KATA"); FEATURE=$(kata_feature "$KATA") ;;
  # One feature set for all three: one build instead of three.
  all) KATAS=(gcra breaker hash-ring); FEATURE=katas ;;
  -h | --help) usage; exit 0 ;;
  *) usage >&2; exit 64 ;;
esac

# No backtraces: a failing proptest property prints one per shrinking step,
# hundreds, and the panic message already names the file and line. Set
# GRADE_BACKTRACE=1 to have them.
export RUST_BACKTRACE=${GRADE_BACKTRACE:-0}
# proptest prints the smallest failing input; keep it from also writing it
# under services/gateway/proptest-regressions/, in the project's sources.
export PROPTEST_DISABLE_FAILURE_PERSISTENCE=1

LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT

# run LOG CARGO_ARGS...: runs cargo, showing its output and keeping it in LOG.
run() {
  local log=$1
  shift
  printf '\n$ cargo %s\n' "$*"
  cargo "$@" 2>&1 | tee -a "$log"
  return "${PIPESTATUS[0]}"
}

# grade KATA: runs its tests and benches (test mode); prints a verdict and
# returns 0 (passed), 1 (tests failed) or 2 (does not compile).
grade() {
  local kata=$1 log="$LOGS/$1.log" failed=0
  local package=(-p capstone-gateway --features "$FEATURE")
  local filters example bench
  read -ra filters <<<"$(kata_tests "$kata")"
  read -r bench _ <<<"$(kata_bench "$kata")"
  : >"$log"
  printf '\n===== kata %s (feature %s)\n' "$kata" "$FEATURE"
  # --no-fail-fast: the integration tests run even when a unit test failed.
  run "$log" test "${package[@]}" --no-fail-fast --lib --test gateway -- "${filters[@]}" || failed=1
  if grep -q '^error: could not compile' "$log"; then
    printf '\n----- kata %s: DOES NOT COMPILE\n' "$kata"
    echo "  The compiler's errors are above; fix the first one first."
    return 2
  fi
  for example in $(kata_examples "$kata"); do
    run "$log" test "${package[@]}" --example "$example" || failed=1
  done
  # The bench once, in criterion's test mode: it must run, not be fast.
  run "$log" test "${package[@]}" --bench "$bench" || failed=1

  printf '\n----- kata %s: ' "$kata"
  local passed failures
  passed=$(grep -oE '^test result: .* ([0-9]+) passed' "$log" |
    grep -oE '[0-9]+ passed' | awk '{ sum += $1 } END { print sum + 0 }')
  failures=$(grep -E '^test .* \.\.\. FAILED$' "$log" | sed -E 's/^test (.*) \.\.\. FAILED$/\1/' | sort -u)
  if [ "$failed" -eq 0 ]; then
    echo "PASSED ($passed tests, and the bench ran)"
    return 0
  fi
  echo "FAILED"
  echo "  tests passed: $passed; failed:"
  # A bench in criterion's test mode has no test names: cargo names it.
  failures+=$(grep -oE '^error: test failed, to rerun pass `.*--bench [a-z_]+`' "$log" |
    sed -E 's/.*--bench ([a-z_]+)`/\nthe bench \1 (it panicked)/' | sort -u)
  if [ -n "$failures" ]; then
    sed -e '/^$/d' -e 's/^/    /' <<<"$failures"
  else
    echo "    none by name: a test binary stopped early (see above)"
  fi
  # The stubs panic with "not implemented: kata <name>: <item> (<file>)".
  local unwritten
  unwritten=$(grep -oE "not implemented: kata $kata: [^ ]+" "$log" | sed 's/.*: //' | sort -u | paste -sd ' ')
  if [ -n "$unwritten" ]; then
    echo "  kata $kata, still unimplemented (the stub panics): $unwritten"
  fi
  echo "  Read next: the failing tests in $(kata_tests_file "$kata"),"
  echo "  their panic messages above, and docs/src/algorithms.md (Katas)."
  return 1
}

# bench_against_the_reference KATA: the real bench, the reference first
# (saved as criterion's baseline `reference`), then yours, compared with it.
bench_against_the_reference() {
  local kata=$1 bench filter
  read -r bench filter <<<"$(kata_bench "$kata")"
  printf '\n===== bench %s: the reference, then yours\n' "$kata"
  cargo bench -p capstone-gateway --bench "$bench" -- --save-baseline reference "$filter" &&
    cargo bench -p capstone-gateway --features "$FEATURE" --bench "$bench" -- --baseline reference "$filter"
}

status=0
verdicts=()
for kata in "${KATAS[@]}"; do
  grade "$kata"
  result=$?
  [ "$result" -gt "$status" ] && status=$result
  verdicts+=("$kata:$result")
done

printf '\n===== summary\n'
for verdict in "${verdicts[@]}"; do
  case ${verdict#*:} in
    0) echo "kata ${verdict%%:*}: PASSED" ;;
    1) echo "kata ${verdict%%:*}: FAILED (tests)" ;;
    2) echo "kata ${verdict%%:*}: DOES NOT COMPILE" ;;
  esac
done

if [ "$BENCH" -eq 1 ]; then
  if [ "$status" -ne 0 ]; then
    echo "Not benching: a fast wrong answer is no answer. Make the tests pass first."
  else
    for kata in "${KATAS[@]}"; do
      bench_against_the_reference "$kata" || status=1
    done
  fi
fi
exit "$status"
