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
name="capstone_timing_$$"
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
users_port=$(free_port)
emails=$(mktemp -d)
log=$(mktemp)
export DATABASE_URL="postgres://postgres:postgres@127.0.0.1:5432/$name"
export CAPSTONE_WORKER__DATABASE__URL="postgres://postgres:postgres@127.0.0.1:5432/${name}_worker"
export CAPSTONE_REDIS__KEY_PREFIX="$name"
export CAPSTONE_AMQP__PREFIX="capstone_timing"
export CAPSTONE_GATEWAY__HTTP__PORT="$(free_port)"
export CAPSTONE_USERS__HTTP__PORT="$users_port"
export CAPSTONE_WORKER__HTTP__PORT="$(free_port)"
export CAPSTONE_GATEWAY__UPSTREAMS__USERS__INSTANCES="[\"http://127.0.0.1:$users_port\"]"
export CAPSTONE_WORKER__EMAIL__DIRECTORY="$emails"
export CAPSTONE_USERS__AUTH__LOGIN_THROTTLE__MAX_FAILURES_PER_ACCOUNT=1000000
export CAPSTONE_USERS__AUTH__LOGIN_THROTTLE__MAX_FAILURES_PER_ADDRESS=1000000
export CAPSTONE_TELEMETRY__LOG_FILTER=warn

cargo build --quiet --release -p capstone
"$CARGO_TARGET_DIR/release/capstone" up >"$log" 2>&1 &
pid=$!
cleanup() {
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for db in "$name" "${name}_worker"; do
    psql -q -h 127.0.0.1 -U postgres -d postgres \
      -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  done
  redis-cli -h 127.0.0.1 --scan --pattern "$name:*" | xargs -r redis-cli -h 127.0.0.1 del >/dev/null || true
  rm -rf "$emails" "$log"
}
trap cleanup EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$users_port/health/ready" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.5
done
python3 scripts/timing/enumeration.py "http://127.0.0.1:$users_port" "${1:-20}"
