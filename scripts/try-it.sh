#!/usr/bin/env bash
# try-it.sh: run the book's "Try it" scripts (scripts/try-it/<chapter>.sh),
# each against a `capstone up` of its own when it needs one.
#
# Why: a chapter's commands are only worth copying if they still work. Each
# chapter includes its script live, and CI (.ci/run) runs every one of them,
# so a renamed key, a changed status or a removed flag fails the build.
# A script that says `# needs: capstone up` in its header gets a fresh
# system from scripts/with-capstone.sh (its own databases, Redis keys and
# ports, so one chapter's rate-limit budget or throttle never leaks into the
# next); the others (tests, manifests, commit titles) run as they are.
#
# Usage: bash scripts/try-it.sh [CHAPTER...]   (default: every chapter)
#        e.g. bash scripts/try-it.sh security monitoring
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -eq 0 ]; then
  for script in scripts/try-it/*.sh; do
    chapter=$(basename "$script" .sh)
    [ "$chapter" = lib ] || set -- "$@" "$chapter"
  done
fi

for chapter in "$@"; do
  script="scripts/try-it/$chapter.sh"
  [ -f "$script" ] || { echo "try-it: no such script: $script" >&2; exit 2; }
  started=$(date +%s)
  printf '\n#### %s\n' "$chapter"
  if grep -q '^# needs: capstone up' "$script"; then
    bash scripts/with-capstone.sh bash "$script"
  else
    bash "$script"
  fi
  printf '#### %s: passed in %d s\n' "$chapter" "$(( $(date +%s) - started ))"
done
