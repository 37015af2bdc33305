#!/usr/bin/env bash
# Runs scripts/tour.sh (the book's curl walkthrough) against a real
# `capstone up` of its own (scripts/with-capstone.sh: own databases, Redis
# keys, ports and email directory; stopped and cleaned up afterwards), then
# checks that the account the tour registered got its welcome email from the
# worker. Used by .ci/run; handy after any API change.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck disable=SC2016 # expanded by the inner shell, which with-capstone.sh sets up
exec bash scripts/with-capstone.sh bash -c '
    set -euo pipefail
    bash scripts/tour.sh "$GW"
    source scripts/try-it/lib.sh
    wait_for_email "Subject:" >/dev/null
    echo "tour passed; the welcome email reached $EMAILS"
'
