#!/usr/bin/env bash
# The System design chapter's "Try it" (docs/src/system-design.md includes
# it): gateways that share one rate-limit budget in Redis, one that limits
# on its own without Redis, and an event followed from the outbox to the
# worker's email and audit trail.
# needs: capstone up (cargo run), jq, psql
# Usage: bash scripts/try-it/system-design.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# ANCHOR: gateways
# A second gateway over the same Redis, whose users pool also lists an
# instance that does not exist, and a third that cannot reach Redis
cat > "$WORK_DIR/second-gateway.toml" <<TOML
[gateway.upstreams.users]
instances = ["$USERS", "http://127.0.0.1:9"]   # nothing listens on 9
TOML
start_gateway 9080 "$WORK_DIR/second-gateway.toml"
start_gateway 9090 "$WORK_DIR/second-gateway.toml" REDIS_URL=redis://127.0.0.1:1

REMAINING=""
for port in "${GW##*:}" 9080 "${GW##*:}" 9080 9090 9090; do
  step "Refresh on $port" 401 -X POST "http://127.0.0.1:$port/api/v1/auth/refresh" -H "$JSON" \
    -d '{"refresh_token": "nope"}'
  REMAINING="$REMAINING $(header RateLimit-Remaining)"
done
# The first four count down one budget in Redis; the third gateway starts its own
expect "RateLimit-Remaining" "$REMAINING" " 19 18 17 16 19 18"
step "The third gateway's readiness" 200 http://127.0.0.1:9090/health/ready
expect "its status" "$(jq -r .status <<<"$BODY")" degraded
grep -o 'health check failed[^}]*127.0.0.1:9[^}]*' "$WORK_DIR/gateway-9080.log" | head -n 1
# ANCHOR_END: gateways

# ANCHOR: broker
# Register someone through the gateway and follow the event
EMAIL="grace-$(date +%s)-$RANDOM@example.com"
step "Register" 202 -X POST "$GW/api/v1/auth/register" -H "$JSON" \
  -d "{\"email\": \"$EMAIL\", \"password\": \"correct horse battery\", \"display_name\": \"Grace\"}"
REQUEST_ID=$(header X-Request-Id)
close_account_at_exit "$EMAIL" "correct horse battery"

EMAIL_FILE=$(wait_for_email "$EMAIL")     # the worker wrote it: the event went all the way
echo "$EMAIL_FILE"
EVENT_ID=$(basename "$EMAIL_FILE" .eml)   # named by the outbox row's id
psql "$DATABASE_URL" -c "SELECT id, event_type, sent_at, attempts,
  envelope->>'correlation_id' AS request_id FROM outbox ORDER BY id DESC LIMIT 3;"
expect "the outbox row's request id" "$(psql "$DATABASE_URL" -Atc \
  "SELECT envelope->>'correlation_id' FROM outbox WHERE id = '$EVENT_ID'")" "$REQUEST_ID"
grep -o 'verify-email?token=[^ ]\{0,20\}' "$EMAIL_FILE" | head -n 1
psql "$WORKER_DATABASE_URL" -c "SELECT event_id, event_type,
  occurred_at, correlation_id FROM audit_log ORDER BY id DESC LIMIT 3;"
expect "the audit row's request id" "$(psql "$WORKER_DATABASE_URL" -Atc \
  "SELECT correlation_id FROM audit_log WHERE event_id = '$EVENT_ID'")" "$REQUEST_ID"
cargo run -q -- dlq list
# ANCHOR_END: broker
