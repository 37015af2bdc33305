#!/usr/bin/env bash
# contract-tests.sh: live contract tests. Starts the whole system (`capstone
# up`: gateway, users service, worker) on spare ports with its own
# databases, and lets schemathesis generate requests from the users
# service's OpenAPI document and check every answer against that document:
# status codes, content types, headers and bodies as documented, no 5xx,
# invalid input refused, valid input accepted, auth not ignored, deleted
# things gone.
#
# Four runs, each with a fresh account logged in through the API:
#
#   users-as-user      the users service directly, as a plain user
#   users-as-admin     the users service directly, as an admin
#   gateway-as-user    the same document, as the gateway serves it
#   gateway-as-admin   (/api-docs/users/openapi.json), through the gateway
#
# Through the gateway the edge adds its own answers (edge auth, rate
# limits, 502/504, body limits): the document must hold for those too,
# since that is what clients call.
#
# The rule when a check fails: fix the API or the document, never the
# check. No check is excluded; one check's list of refusal statuses gains
# 413 (why: scripts/contract/schemathesis.toml).
#
# Usage:   bash scripts/contract-tests.sh
# Needs:   cargo, python3 (3.10+), curl, psql, redis-cli, GNU timeout, and
#          Postgres (127.0.0.1:5432, user postgres), Redis (6379) and
#          RabbitMQ (5672) running (bash scripts/dev-services.sh).
# Writes:  the reports and the system's log under $CONTRACT_REPORT_DIR
#          (default target/contract-tests/, emptied at the start): per run
#          <run>/junit.xml and <run>/report.json, plus capstone.log.
# Leaves:  nothing else. The databases capstone_contract and
#          capstone_contract_worker and the Redis keys under
#          capstone_contract: are removed at the start (leftovers of an
#          interrupted run) and at the end, however the script ends. The
#          RabbitMQ exchange and queues named capstone_contract.* stay, like
#          the tour's: they are declared idempotently and reused. Fixed
#          names also mean one run at a time per machine.
# Knobs:   CONTRACT_SEED, CONTRACT_MAX_EXAMPLES (below), CONTRACT_REPORT_DIR,
#          CARGO_TARGET_DIR, CAPSTONE_TOOLS (where the venv lives).
set -euo pipefail
cd "$(dirname "$0")/.."

# Generation is random but seeded: the same seed, the same pinned tools
# and the same code send the same requests, so a failure in CI reproduces
# on a laptop. Change the seed on purpose, to explore.
SEED="${CONTRACT_SEED:-20251203}"
# Examples per operation in the fuzzing phase, on top of the examples and
# coverage phases (which produce a fixed set each). Bounded so that the
# four runs take a few minutes on two cores.
MAX_EXAMPLES="${CONTRACT_MAX_EXAMPLES:-200}"
# Upper bounds, so that a hang fails the run instead of eating CI's time.
INSTALL_TIMEOUT_SECS=900
RUN_TIMEOUT_SECS=900
READY_TIMEOUT_SECS=120

CONFIG=scripts/contract/capstone.toml
REQUIREMENTS=scripts/contract/requirements.txt
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/capstone/target}"
TOOLS_DIR="${CAPSTONE_TOOLS:-$HOME/.cache/capstone/tools}"
VENV="$TOOLS_DIR/contract-venv"
STAMP="$VENV/capstone-contract-tools.txt"
OUT="${CONTRACT_REPORT_DIR:-target/contract-tests}"

say() { printf 'contract-tests: %s\n' "$*"; }
die() { say "FAILED: $*" >&2; exit 1; }
require() { command -v "$1" >/dev/null 2>&1 || die "'$1' is not on PATH: $2"; }

started_at=$SECONDS

require cargo "install Rust (https://rustup.rs)"
require python3 "install CPython 3.10 or later"
require curl "install curl"
require psql "install the PostgreSQL client (postgresql-client)"
require redis-cli "install the Redis client (redis-tools)"
require timeout "install GNU coreutils"

# ------------------------------------------------------------------ tools

# The venv with exactly the pinned set: built from scratch when the stamp
# (the requirements file and the Python that built it) does not match, and
# left alone otherwise, so a warm run never runs pip. The stamp is written
# last, so a half-finished install is never trusted.
ensure_tools() {
  local wanted
  wanted="$(python3 --version 2>&1)"$'\n'"$(<"$REQUIREMENTS")"
  if [[ -x "$VENV/bin/schemathesis" && -f "$STAMP" && "$(<"$STAMP")" == "$wanted" ]]; then
    say "tools: $VENV is current (pip skipped)"
    return
  fi
  say "tools: building $VENV from $REQUIREMENTS"
  rm -rf "$VENV"
  mkdir -p "$TOOLS_DIR"
  python3 -m venv "$VENV"
  timeout "$INSTALL_TIMEOUT_SECS" "$VENV/bin/pip" install \
    --disable-pip-version-check --no-input --quiet --timeout 60 -r "$REQUIREMENTS" \
    || die "pip install -r $REQUIREMENTS (bounded at ${INSTALL_TIMEOUT_SECS} s)"
  printf '%s' "$wanted" >"$STAMP"
}
ensure_tools
say "$("$VENV/bin/schemathesis" --version)"

# ------------------------------------------------------------- the system

# Names of everything this run owns. Fixed (not per process), so that the
# next run removes what an interrupted one left behind.
NAME=capstone_contract
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
gateway_port=$(free_port)
users_port=$(free_port)
worker_port=$(free_port)
GATEWAY="http://127.0.0.1:$gateway_port"
USERS="http://127.0.0.1:$users_port"

rm -rf "$OUT"
mkdir -p "$OUT"
log="$OUT/capstone.log"
emails=$(mktemp -d "${TMPDIR:-/tmp}/contract-emails.XXXXXX")

# Ports, databases and names per run come from the environment (they vary);
# the limits relaxed for fuzzing come from $CONFIG (see the comments there).
export CAPSTONE_CONFIG="$CONFIG"
export DATABASE_URL="postgres://postgres:postgres@127.0.0.1:5432/$NAME"
export CAPSTONE_WORKER__DATABASE__URL="postgres://postgres:postgres@127.0.0.1:5432/${NAME}_worker"
export CAPSTONE_REDIS__KEY_PREFIX="$NAME"
export CAPSTONE_AMQP__PREFIX="$NAME"
export CAPSTONE_GATEWAY__HTTP__PORT="$gateway_port"
export CAPSTONE_USERS__HTTP__PORT="$users_port"
export CAPSTONE_WORKER__HTTP__PORT="$worker_port"
export CAPSTONE_GATEWAY__UPSTREAMS__USERS__INSTANCES="[\"$USERS\"]"
export CAPSTONE_WORKER__EMAIL__DIRECTORY="$emails"
# RUST_LOG would replace the config's log filter.
unset RUST_LOG

psql_admin() {
  PGOPTIONS=--client-min-messages=warning \
    psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -d postgres "$@" >/dev/null
}
forget_state() {
  for db in "$NAME" "${NAME}_worker"; do
    psql_admin -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" || true
  done
  redis-cli -h 127.0.0.1 --scan --pattern "$NAME:*" | xargs -r redis-cli -h 127.0.0.1 del >/dev/null || true
}

pid=""
cleanup() {
  local status=$?
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    # SIGTERM, not SIGINT: both stop it gracefully (draining in-flight
    # requests), but a background job of a script may ignore SIGINT.
    # 15 s, then it is ended.
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 75); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  forget_state
  rm -rf "$emails"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

forget_state
say "building (cargo build -p capstone; target dir $CARGO_TARGET_DIR)"
cargo build --quiet -p capstone || die "cargo build -p capstone (errors above)"
capstone="$CARGO_TARGET_DIR/debug/capstone"

say "starting capstone up: gateway $GATEWAY, users $USERS, worker :$worker_port (log: $log)"
# Development environment: `up` creates both databases and migrates them.
"$capstone" up >"$log" 2>&1 &
pid=$!

# Ready when both the gateway (which checks the users service behind it)
# and the users service say so; bounded, and a crashed start ends at once.
deadline=$((SECONDS + READY_TIMEOUT_SECS))
until curl -sf --max-time 2 "$GATEWAY/health/ready" >/dev/null \
  && curl -sf --max-time 2 "$USERS/health/ready" >/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null; then
    tail -n 40 "$log" >&2
    die "capstone up exited during startup (log above)"
  fi
  if ((SECONDS >= deadline)); then
    tail -n 40 "$log" >&2
    die "not ready within ${READY_TIMEOUT_SECS} s (log above)"
  fi
  sleep 0.5
done
say "ready after $((SECONDS - started_at)) s"

# ------------------------------------------------------------ the runs

# run_suite NAME ROLE SCHEMA_URL BASE_URL: one schemathesis run as a ROLE
# ("user" or "admin"), its reports in $OUT/NAME. Its exit status is
# recorded, not fatal: every run runs, and the script fails at the end if
# any failed.
#
# The accounts: scripts/contract/hooks.py registers a user through the
# API, or makes an admin with `capstone seed --admin` (same config and
# database as the running system), logs it in through BASE_URL, and puts
# its access token on every request; it makes a new account when the
# fuzzer has deleted the old one (the why is in the file). Each run has
# accounts of its own, so no run starts logged out by the one before.
# ANCHOR: run_suite
failed_runs=()
run_suite() {
  local name=$1 role=$2 schema=$3 base=$4 status=0
  printf '\n== %s: %s against %s, as %s\n' "$name" "$schema" "$base" "$role"
  # --checks all: every check schemathesis has, none excluded.
  # --seed/--max-examples: reproducible and bounded (see the top).
  # --workers 1: with two, hypothesis parses Python sources in two threads
  #   at once, and the CPython here (3.11.7) then fails now and then with
  #   "SystemError: AST constructor recursion depth mismatch" (a run error,
  #   not an API failure). One worker is fast enough.
  # --continue-on-failure: keep generating after an operation's first
  #   failure, so one run finds all its distinct failures, not one each.
  # --request-timeout: a request that hangs is a failure, not a stall.
  # --no-color: the log is read in CI.
  # (PYTHONDONTWRITEBYTECODE: loading hooks.py would otherwise leave a
  # __pycache__ in scripts/contract.)
  CONTRACT_API="$base" CONTRACT_ROLE="$role" CONTRACT_RUN="$name" CONTRACT_CAPSTONE="$capstone" \
    SCHEMATHESIS_HOOKS=scripts/contract/hooks.py PYTHONDONTWRITEBYTECODE=1 \
    timeout "$RUN_TIMEOUT_SECS" "$VENV/bin/schemathesis" \
    --config-file scripts/contract/schemathesis.toml \
    run "$schema" \
    --url "$base" \
    --checks all \
    --seed "$SEED" \
    --max-examples "$MAX_EXAMPLES" \
    --workers 1 \
    --continue-on-failure \
    --request-timeout 10 \
    --report junit,json \
    --report-junit-path "$OUT/$name/junit.xml" \
    --report-json-path "$OUT/$name/report.json" \
    --no-color \
    || status=$?
  ((status == 0)) || failed_runs+=("$name")
}

RUNS=(users-as-user users-as-admin gateway-as-user gateway-as-admin)
run_suite users-as-user user "$USERS/api-docs/openapi.json" "$USERS"
run_suite users-as-admin admin "$USERS/api-docs/openapi.json" "$USERS"
run_suite gateway-as-user user "$GATEWAY/api-docs/users/openapi.json" "$GATEWAY"
run_suite gateway-as-admin admin "$GATEWAY/api-docs/users/openapi.json" "$GATEWAY"
# ANCHOR_END: run_suite

# ---------------------------------------------------------------- summary

printf '\n'
python3 scripts/contract/summary.py "$OUT" "${RUNS[@]}"
say "reports in $OUT; took $((SECONDS - started_at)) s in all"
if ((${#failed_runs[@]} > 0)); then
  die "${failed_runs[*]}: contract violations or errors above (reports in $OUT)"
fi
say "all ${#RUNS[@]} runs passed"
