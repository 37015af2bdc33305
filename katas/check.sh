#!/usr/bin/env bash
# check.sh: proves the katas work (run by .ci/run). A learner runs
# grade.sh; this is the maintainers' check that grading means something:
#
#   1. the stubs are lint-clean (a learner starts from no warnings);
#   2. the stubs, as they are in katas/, fail every kata, by failing tests
#      that hit the stub's own panics; a stub that does not compile is a
#      broken kata, and one whose tests pass grades nothing;
#   3. the project's own implementations, copied into the kata slots, pass
#      every kata. The files in katas/ are put back afterwards, even on
#      failure or Ctrl-C (a learner's work in them included).
#
# All three katas in one build (`--features katas`): each feature set
# recompiles the gateway and its test binaries. Exits 1 on the first broken
# promise, saying which.
set -euo pipefail
cd "$(dirname "$0")/.."

# kata name in grade.sh, its file in katas/, the reference it replaces.
SLOTS=(
  "gcra katas/gcra.rs services/gateway/src/rate_limit/gcra.rs"
  "breaker katas/breaker.rs services/gateway/src/resilience/breaker.rs"
  "hash-ring katas/hash_ring.rs services/gateway/src/balancer/hash_ring.rs"
)

fail() {
  echo "katas/check.sh: $*" >&2
  exit 1
}

LOG=$(mktemp)
SAVED=$(mktemp -d)
restore() {
  local slot kata file reference
  for slot in "${SLOTS[@]}"; do
    read -r kata file reference <<<"$slot"
    if [ -f "$SAVED/$kata" ]; then
      cp "$SAVED/$kata" "$file"
    fi
  done
  rm -rf "$SAVED" "$LOG"
}
trap restore EXIT
trap 'exit 130' INT TERM

echo "== 1. the stubs are lint-clean"
cargo clippy -p capstone-gateway --all-targets --features katas -- -D warnings

echo "== 2. the stubs fail every kata, by failing tests"
status=0
bash katas/grade.sh all 2>&1 | tee "$LOG" || status=$?
case $status in
  1) ;;
  0) fail "the stubs passed every kata: the tests do not reach the stubs" ;;
  2) fail "a stub does not compile: a broken kata (the compiler's errors are above)" ;;
  *) fail "grade.sh exited $status" ;;
esac
for slot in "${SLOTS[@]}"; do
  read -r kata file reference <<<"$slot"
  grep -qx "kata $kata: FAILED (tests)" "$LOG" ||
    fail "kata $kata did not fail by its tests with the stub $file"
  # Failing is not enough: it must be this stub's panics that failed it.
  grep -q "^  kata $kata, still unimplemented (the stub panics): ." "$LOG" ||
    fail "kata $kata failed without reaching the stub $file"
done

echo "== 3. the reference implementations pass every kata"
for slot in "${SLOTS[@]}"; do
  read -r kata file reference <<<"$slot"
  cp "$file" "$SAVED/$kata"
  cp "$reference" "$file"
done
status=0
bash katas/grade.sh all || status=$?
[ "$status" -eq 0 ] || fail "the reference implementations failed a kata (grade.sh exited $status)"
echo "katas/check.sh: every stub fails its kata, every reference passes it"
