#!/usr/bin/env bash
# flow.sh: one user's first minutes, driven through the gateway of a running
# compose stack (scripts/compose-smoke.sh starts it and calls this):
#
#   register -> the worker emails a verification link (read from the mail
#   server's mailbox) -> verify -> log in -> GET /api/v1/users/me shows the
#   address verified -> /metrics counted the requests.
#
# Environment: GATEWAY (base URL), MAILBOX_CONTAINER (the mail server's
# container, whose Maildir holds what the worker sent). Every wait is bounded.
set -euo pipefail

: "${GATEWAY:?}" "${MAILBOX_CONTAINER:?}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/smoke-flow.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

say() { printf 'flow: %s\n' "$*"; }
die() { say "FAILED: $*" >&2; exit 1; }

# call EXPECTED_STATUS CURL_ARGS...: the body lands in $WORK/body.
call() {
  local expected=$1 status
  shift
  status=$(curl --silent --show-error --max-time 10 --output "$WORK/body" \
    --write-out '%{http_code}' "$@") || die "curl $*"
  [[ $status == "$expected" ]] ||
    die "$* answered $status, not $expected: $(head -c 400 "$WORK/body")"
}

# json FIELD: a top-level field of the last body.
json() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]] or "")' \
    "$WORK/body" "$1"
}

EMAIL="smoke-$(date +%s)-$RANDOM@example.com"
PASSWORD="smoke test passphrase $RANDOM"

call 202 -X POST "$GATEWAY/api/v1/auth/register" -H 'Content-Type: application/json' \
  -d "{\"email\": \"$EMAIL\", \"password\": \"$PASSWORD\", \"display_name\": \"Smoke Test\"}"
say "registered $EMAIL"

# The event travels users -> outbox -> RabbitMQ -> worker -> SMTP. The
# mail server keeps each message as one file in its Maildir.
deadline=$((SECONDS + 60))
until rm -rf "$WORK/mail" && podman cp "$MAILBOX_CONTAINER:/var/mail/capstone/new" "$WORK/mail" \
  && grep -rqF "$EMAIL" "$WORK/mail"; do
  ((SECONDS < deadline)) || die "no email to $EMAIL within 60 s"
  sleep 1
done
# The link's token, from the decoded text of the message (quoted-printable
# would otherwise split it across lines).
TOKEN=$(python3 - "$WORK/mail" "$EMAIL" <<'EOF'
import email, email.policy, pathlib, re, sys
for path in pathlib.Path(sys.argv[1]).iterdir():
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    if sys.argv[2] not in str(message.get("To", "")):
        continue
    body = message.get_body(preferencelist=("plain", "html"))
    match = re.search(r"verify-email\?token=([A-Za-z0-9._~-]+)", body.get_content())
    if match:
        print(match.group(1))
EOF
)
[[ -n $TOKEN ]] || die "the email to $EMAIL carries no verification link"
say "the worker emailed a verification link"

call 204 -X POST "$GATEWAY/api/v1/auth/verify-email" -H 'Content-Type: application/json' \
  -d "{\"token\": \"$TOKEN\"}"
call 200 -X POST "$GATEWAY/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d "{\"email\": \"$EMAIL\", \"password\": \"$PASSWORD\"}"
ACCESS_TOKEN=$(json access_token)
call 200 "$GATEWAY/api/v1/users/me" -H "Authorization: Bearer $ACCESS_TOKEN"
[[ -n $(json email_verified_at) ]] || die "/me says the address is not verified"
say "verified, logged in, /me shows email_verified_at"

call 200 "$GATEWAY/metrics"
grep -q '^capstone_http_requests_total{.*service="gateway"' "$WORK/body" ||
  die "the gateway's /metrics has no capstone_http_requests_total"
say "/metrics counts the gateway's requests"
