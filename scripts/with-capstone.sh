#!/usr/bin/env bash
# with-capstone.sh: start a real `capstone up` (every service) on
# its own databases, Redis keys and free ports, run a command against it,
# then stop it and clean up.
#
# Why: the book's walkthroughs (scripts/tour.sh, scripts/try-it/*.sh) are
# tests too, and a test must not depend on what else runs on the machine.
# Everything the system writes is its own: two databases named after this
# process, a Redis key prefix of the same name, an email directory, free
# ports. RabbitMQ names use the fixed prefix `capstone_tryit` (declared
# idempotently, so runs reuse them instead of piling up).
#
# The command sees where everything is, in the variables the try-it scripts
# read (scripts/try-it/lib.sh), so they run unchanged against `cargo run`:
#   GW      the gateway's base URL        USERS   the users service's
#   WORKER  the worker's                  PREFIX  the Redis key prefix
#   EMAILS  the directory the worker writes emails to
#   DATABASE_URL / WORKER_DATABASE_URL   the two databases (for psql)
# Variables already set in the environment (CAPSTONE_...) are passed on, so a
# caller can change a setting for its run.
#
# The stop is checked too: capstone must stop within 10 s of SIGINT and log a
# clean stop, or the run fails (a graceful stop once deadlocked).
#
# Usage: bash scripts/with-capstone.sh [--release] COMMAND [ARGUMENTS...]
#        --release: an optimised build, for measurements (scripts/timing/)
set -euo pipefail
cd "$(dirname "$0")/.."

profile=debug
if [ "${1:-}" = --release ]; then profile=release; shift; fi

name="capstone_tryit_$$"
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
users_port=$(free_port)
log=$(mktemp)
databases=("$name")
# What must answer /health/ready before the command runs.
ready=("http://127.0.0.1:$users_port")

export DATABASE_URL="postgres://postgres:postgres@127.0.0.1:5432/$name"
export CAPSTONE_USERS__HTTP__PORT="$users_port"
export CAPSTONE_REDIS__KEY_PREFIX="$name"
export CAPSTONE_AMQP__PREFIX="${CAPSTONE_AMQP__PREFIX:-capstone_tryit}"
export USERS="http://127.0.0.1:$users_port" PREFIX="$name"
# fork:begin(gateway)
port=$(free_port)
export CAPSTONE_GATEWAY__HTTP__PORT="$port"
export CAPSTONE_GATEWAY__UPSTREAMS__USERS__INSTANCES="[\"http://127.0.0.1:$users_port\"]"
export GW="http://127.0.0.1:$port"
ready+=("$GW")
# fork:end(gateway)
# fork:begin(worker)
worker_port=$(free_port)
emails=$(mktemp -d)
databases+=("${name}_worker")
export WORKER_DATABASE_URL="postgres://postgres:postgres@127.0.0.1:5432/${name}_worker"
export CAPSTONE_WORKER__HTTP__PORT="$worker_port"
export CAPSTONE_WORKER__DATABASE__URL="$WORKER_DATABASE_URL"
export CAPSTONE_WORKER__EMAIL__DIRECTORY="$emails"
# The emails' links lead to the web app this gateway serves. localhost, not
# 127.0.0.1: the refresh cookie is `Secure`, and browsers accept Secure
# cookies over plain HTTP from localhost only.
export CAPSTONE_WORKER__EMAIL__LINK_BASE_URL="http://localhost:${port:-$users_port}"
export WORKER="http://127.0.0.1:$worker_port" EMAILS="$emails"
ready+=("$WORKER")
# fork:end(worker)

if [ "$profile" = release ]; then
    cargo build --quiet --release -p capstone
else
    # --workspace: the same feature set as the test build, so nothing recompiles.
    cargo build --quiet --workspace --bins
fi
"${CARGO_TARGET_DIR:-target}/$profile/capstone" up >"$log" 2>&1 &
pid=$!
cleanup() {
    kill -INT "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for db in "${databases[@]}"; do
        psql -q -h 127.0.0.1 -U postgres -d postgres \
            -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null || true
    done
    # fork:begin(worker)
    rm -rf "$emails"
    # fork:end(worker)
    redis-cli -h 127.0.0.1 --scan --pattern "$name:*" | xargs -r redis-cli -h 127.0.0.1 del >/dev/null || true
    rm -f "$log"
}
trap cleanup EXIT

all_ready() {
    local base
    for base in "${ready[@]}"; do
        curl -sf "$base/health/ready" >/dev/null || return 1
    done
}
for _ in $(seq 1 150); do
    all_ready && break
    kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "capstone up exited early" >&2; exit 1; }
    sleep 0.2
done
all_ready || { cat "$log"; echo "capstone up did not become ready" >&2; exit 1; }

if ! "$@"; then
    echo "with-capstone: '$*' failed; capstone's log follows" >&2
    tail -n 60 "$log" >&2
    exit 1
fi

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
