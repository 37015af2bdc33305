# shellcheck shell=bash
# lib.sh: what every "Try it" script shares (sourced, not run).
#
# Why: each chapter's "Try it" is a script the chapter includes live, so the
# commands a reader copies are the ones CI runs (scripts/try-it.sh, against
# a real `capstone up`). The scripts check what they print, so a command
# that stops working fails the build instead of misleading a reader.
#
# Run one against `cargo run` (the defaults below), or paste its lines into
# a terminal after `source scripts/try-it/lib.sh`.

# Where things are. scripts/with-capstone.sh sets these for CI's own system.
GW="${GW:-http://127.0.0.1:8080}"         # the gateway: where every request goes
USERS="${USERS:-http://127.0.0.1:8081}"   # the users service, for what only it serves
WORKER="${WORKER:-http://127.0.0.1:8082}" # the worker (health and metrics only)
PREFIX="${PREFIX:-capstone}"              # the Redis key prefix (redis.key_prefix)
EMAILS="${EMAILS:-target/emails}"         # where the worker writes emails (worker.email.directory)
DATABASE_URL="${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/capstone}"
WORKER_DATABASE_URL="${WORKER_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/capstone_worker}"
JSON='Content-Type: application/json'

WORK_DIR="$(mktemp -d)"
EXIT_HOOKS=()
# at_exit COMMAND: run COMMAND when the script ends, however it ends.
at_exit() { EXIT_HOOKS+=("$1"); }
run_exit_hooks() {
  local hook
  for hook in "${EXIT_HOOKS[@]}"; do eval "$hook" || true; done
  rm -rf "$WORK_DIR"
}
trap run_exit_hooks EXIT

fail() {
  printf '\n%s: FAILED: %s\n' "$(basename "$0")" "$1" >&2
  exit 1
}

# ANCHOR: step
# step TITLE EXPECTED_STATUS CURL_ARGUMENTS...
# Runs one request, prints its status and (the start of) its body, and stops
# the script if the status is not the expected one. Leaves the body in $BODY
# and the response headers in $WORK_DIR/headers.
step() {
  local title=$1 expected=$2
  shift 2
  printf '\n== %s\n' "$title"
  if ! STATUS=$(curl -sS -o "$WORK_DIR/body" -D "$WORK_DIR/headers" \
                     -w '%{http_code}' "$@"); then
    fail "$title: no answer. Is Capstone running (cargo run)?"
  fi
  BODY=$(cat "$WORK_DIR/body")
  printf 'HTTP %s\n' "$STATUS"
  if [ "${#BODY}" -gt 400 ]; then
    printf '%s… (%d bytes)\n' "${BODY:0:400}" "${#BODY}"
  elif [ -n "$BODY" ]; then
    printf '%s\n' "$BODY"
  fi
  [ "$STATUS" = "$expected" ] || fail "$title: expected HTTP $expected, got $STATUS"
}

# expect_body TEXT: the last response body must contain TEXT.
expect_body() {
  grep -qF -- "$1" "$WORK_DIR/body" || fail "the response body does not contain $1"
}

# json_field NAME: a string field of the last (JSON) response body.
json_field() {
  sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$WORK_DIR/body"
}

# header NAME: a header of the last response (case-insensitive), without CR.
header() {
  { grep -i "^$1:" "$WORK_DIR/headers" || true; } | tail -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'
}
# ANCHOR_END: step

# ANCHOR: expect
# expect WHAT ACTUAL EXPECTED: stop unless ACTUAL is EXPECTED.
expect() {
  [ "$2" = "$3" ] || fail "$1: expected '$3', got '$2'"
  printf '   ok: %s is %s\n' "$1" "$3"
}

# expect_in WHAT TEXT NEEDLE: stop unless TEXT contains NEEDLE.
expect_in() {
  case "$2" in *"$3"*) printf '   ok: %s has %s\n' "$1" "$3" ;;
    *) fail "$1: '$3' not found in: ${2:0:300}" ;; esac
}
# ANCHOR_END: expect

# shellcheck disable=SC2034 # REFRESH and USER_ID are for the scripts that source this
# new_account: register and log in a fresh account (a unique address per
# run, so reruns never collide), through the gateway. Sets EMAIL, PASSWORD,
# ACCESS, REFRESH, AUTH and USER_ID, and closes the account when the script ends.
new_account() {
  EMAIL="you-$(date +%s%N)-$RANDOM@example.com"
  PASSWORD="correct horse battery staple"
  step "Register $EMAIL" 202 -X POST "$GW/api/v1/auth/register" -H "$JSON" \
    -d "{\"email\": \"$EMAIL\", \"password\": \"$PASSWORD\", \"display_name\": \"You\"}"
  step "Log in" 200 -X POST "$GW/api/v1/auth/login" -H "$JSON" \
    -d "{\"email\": \"$EMAIL\", \"password\": \"$PASSWORD\"}"
  ACCESS=$(json_field access_token)
  REFRESH=$(json_field refresh_token)
  AUTH="Authorization: Bearer $ACCESS"
  step "Who am I?" 200 "$GW/api/v1/users/me" -H "$AUTH"
  USER_ID=$(json_field id)
  close_account_at_exit "$EMAIL" "$PASSWORD"
}

# close_account_at_exit EMAIL PASSWORD: when the script ends, log in as that
# account and close it, so a reader's database keeps nothing from a run.
# (It logs in afresh: the script may have revoked every token it had.)
close_account_at_exit() {
  at_exit "close_account '$1' '$2'"
}
close_account() {
  local pair access id
  pair=$(curl -s -X POST "$GW/api/v1/auth/login" -H "$JSON" \
    -d "{\"email\": \"$1\", \"password\": \"$2\"}")
  access=$(jq -r '.access_token // empty' <<<"$pair")
  [ -n "$access" ] || return 0
  id=$(curl -s "$GW/api/v1/users/me" -H "Authorization: Bearer $access" | jq -r '.id // empty')
  [ -n "$id" ] || return 0
  curl -s -o /dev/null -X DELETE "$GW/api/v1/users/$id" -H "Authorization: Bearer $access"
}

# wait_for_email TEXT: the worker writes an email containing TEXT to
# $EMAILS within 10 s; prints its path.
wait_for_email() {
  local file
  for _ in $(seq 1 100); do
    file=$(grep -lF -- "$1" "$EMAILS"/*.eml 2>/dev/null | head -n 1 || true)
    [ -n "$file" ] && { printf '%s\n' "$file"; return 0; }
    sleep 0.1
  done
  fail "no email containing $1 in $EMAILS"
}

# wait_for_url URL: until something answers at URL (any status), at most 10 s.
wait_for_url() {
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.1
  done
  fail "nothing answers at $1"
}

# ANCHOR: start_gateway
# start_gateway PORT CONFIG_FILE [NAME=VALUE...]: another gateway, on PORT,
# with the settings in CONFIG_FILE (and any NAME=VALUE settings after it),
# over the same Redis; stopped when the script ends. Its log is in
# $WORK_DIR/gateway-PORT.log. Needs a build (`cargo build`): it runs the
# binary, so it starts in a second instead of compiling.
start_gateway() {
  local port=$1 config=$2
  shift 2
  # A file's upstreams and port must win over the ones `capstone up` was given.
  env -u CAPSTONE_GATEWAY__UPSTREAMS__USERS__INSTANCES \
    CAPSTONE_CONFIG="$config" CAPSTONE_GATEWAY__HTTP__PORT="$port" "$@" \
    "${CARGO_TARGET_DIR:-target}/debug/gateway" >"$WORK_DIR/gateway-$port.log" 2>&1 &
  at_exit "kill $! 2>/dev/null"
  wait_for_url "http://127.0.0.1:$port/health/live" ||
    { cat "$WORK_DIR/gateway-$port.log" >&2; fail "the gateway on $port did not start"; }
}
# ANCHOR_END: start_gateway
