#!/usr/bin/env bash
# Runs scripts/tour.sh (the book's curl walkthrough) against a real
# `capstone up` (gateway + users + worker), on its own databases and free ports, then
# stops it and drops the databases. Its RabbitMQ names use the fixed prefix
# `capstone_tour` (declared idempotently, so runs reuse them instead of piling up). Used by .ci/run; handy after any API change.
set -euo pipefail
cd "$(dirname "$0")/.."

database="capstone_tour_$$"
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=$(free_port)       # the gateway's
users_port=$(free_port)
worker_port=$(free_port)
log=$(mktemp)
emails=$(mktemp -d)
export DATABASE_URL="postgres://postgres:postgres@127.0.0.1:5432/$database"
export CAPSTONE_GATEWAY__HTTP__PORT="$port"
export CAPSTONE_USERS__HTTP__PORT="$users_port"
export CAPSTONE_GATEWAY__UPSTREAMS__USERS__INSTANCES="[\"http://127.0.0.1:$users_port\"]"
export CAPSTONE_REDIS__KEY_PREFIX="$database"
export CAPSTONE_WORKER__HTTP__PORT="$worker_port"
export CAPSTONE_WORKER__DATABASE__URL="postgres://postgres:postgres@127.0.0.1:5432/${database}_worker"
export CAPSTONE_WORKER__EMAIL__DIRECTORY="$emails"
export CAPSTONE_AMQP__PREFIX="capstone_tour"

# --workspace: the same feature set as the test build, so nothing recompiles.
cargo build --quiet --workspace --bins
"${CARGO_TARGET_DIR:-target}/debug/capstone" up >"$log" 2>&1 &
pid=$!
cleanup() {
    kill -INT "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for db in "$database" "${database}_worker"; do
        psql -q -h 127.0.0.1 -U postgres -d postgres \
            -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null || true
    done
    rm -rf "$emails"
    redis-cli -h 127.0.0.1 --scan --pattern "$database:*" | xargs -r redis-cli -h 127.0.0.1 del >/dev/null || true
    rm -f "$log"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break
    kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "capstone up exited early" >&2; exit 1; }
    sleep 0.2
done

bash scripts/tour.sh "http://127.0.0.1:$port"

# The tour registered an account: its welcome email must reach the sink.
for _ in $(seq 1 100); do
    ls "$emails"/*.eml >/dev/null 2>&1 && break
    sleep 0.1
done
ls "$emails"/*.eml >/dev/null 2>&1 || { cat "$log"; echo "no welcome email in $emails" >&2; exit 1; }
curl -sf "http://127.0.0.1:$worker_port/health/ready" >/dev/null || { echo "worker not ready" >&2; exit 1; }

# Graceful stop must be quick and clean (it once deadlocked).
kill -INT "$pid"
for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
done
if kill -0 "$pid" 2>/dev/null; then
    echo "capstone did not stop within 10 s of SIGINT" >&2
    exit 1
fi
wait "$pid" || { echo "capstone exited with an error" >&2; cat "$log"; exit 1; }
grep -q '"all services stopped"' "$log" || { cat "$log"; echo "no clean-stop log line" >&2; exit 1; }
echo "tour passed; capstone stopped cleanly"
