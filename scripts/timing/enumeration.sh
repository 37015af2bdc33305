#!/usr/bin/env bash
# enumeration.sh: how much an answer's timing says about whether an address
# has an account. Starts a release `capstone up` on spare ports with its own
# databases, the login throttle relaxed for this run only (the probe fails
# many logins from one address on purpose), runs enumeration.py against
# the users service, and removes everything it made.
#
# Usage: bash scripts/timing/enumeration.sh [TRIES]   (default 20)
# Needs: what `cargo run` needs (Postgres, Redis, RabbitMQ), python3, psql.
set -euo pipefail
cd "$(dirname "$0")/../.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/capstone/target}"
export CAPSTONE_AMQP__PREFIX="capstone_timing"
export CAPSTONE_USERS__AUTH__LOGIN_THROTTLE__MAX_FAILURES_PER_ACCOUNT=1000000
export CAPSTONE_USERS__AUTH__LOGIN_THROTTLE__MAX_FAILURES_PER_ADDRESS=1000000
export CAPSTONE_TELEMETRY__LOG_FILTER=warn

# A system of its own (scripts/with-capstone.sh), probed at the users service.
# shellcheck disable=SC2016 # expanded by the inner shell
exec bash scripts/with-capstone.sh --release \
  bash -c 'python3 scripts/timing/enumeration.py "$USERS" "$1"' enumeration "${1:-20}"
