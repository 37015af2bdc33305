#!/usr/bin/env bash
# The events chapter's "Try it" (docs/src/events-and-the-broker.md includes
# it): a registration followed from the outbox, through RabbitMQ, to the
# worker's email and audit trail.
# needs: capstone up (cargo run), psql
# Usage: bash scripts/try-it/events-and-the-broker.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

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
expect_in "the envelope" "$(psql "$DATABASE_URL" -Atc \
  "SELECT envelope FROM outbox WHERE id = '$EVENT_ID'")" '"sealed"'

# Register again: the same 202, and the owner gets a different email
step "Register the same address again" 202 -X POST "$GW/api/v1/auth/register" -H "$JSON" \
  -d "{\"email\": \"$EMAIL\", \"password\": \"another passphrase\", \"display_name\": \"Not Grace\"}"
wait_for_email "Someone tried to sign up" >/dev/null
psql "$DATABASE_URL" -c "SELECT event_type, sent_at FROM outbox ORDER BY created_at DESC LIMIT 2;"
cargo run -q -- dlq list
# ANCHOR_END: broker
