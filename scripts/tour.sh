#!/usr/bin/env bash
# tour.sh: walk the API through the gateway with curl, checking the status of
# every step.
#
# Why: it is the tour of the book (docs/src/tour.md includes it piece by piece
# through the ANCHOR comments) and a smoke test CI runs against a real
# `capstone up`. Every step prints a header, the HTTP status and the body, and
# the script stops with a non-zero exit code at the first unexpected status.
#
# It leaves nothing behind: the user it registers gets a unique email address,
# so reruns never collide, and closes its account at the end (or on failure).
#
# Usage: bash scripts/tour.sh [BASE_URL]
#        BASE_URL defaults to $CAPSTONE_URL, then http://127.0.0.1:8080 (the gateway)
# Needs: bash, curl, grep, sed. Start the service first with `cargo run`.
set -euo pipefail

BASE_URL="${1:-${CAPSTONE_URL:-http://127.0.0.1:8080}}"
BASE_URL="${BASE_URL%/}"

# step, expect_body, json_field, header and fail: the helpers every
# walkthrough in the book shares.
source "$(dirname "$0")/try-it/lib.sh"

USER_URL=""     # set once logged in; cleared once the account is closed
AUTH=""
# A failed run should not leave its user behind in the database.
at_exit '[ -z "$USER_URL" ] || curl -sS -o /dev/null -X DELETE -H "$AUTH" "$USER_URL"'

printf 'Capstone tour against %s\n' "$BASE_URL"

# ANCHOR: health
step "Liveness: is the process up? GET /health/live" 200 \
  "$BASE_URL/health/live"
step "Readiness: are its dependencies up? GET /health/ready" 200 \
  "$BASE_URL/health/ready"
# ANCHOR_END: health

# ANCHOR: create
# A fresh address on every run: each run makes its own account.
EMAIL="tour-$(date +%s%N)-$RANDOM@example.com"
PASSWORD="correct horse battery staple"
step "Register: POST /api/v1/auth/register" 202 \
  -X POST "$BASE_URL/api/v1/auth/register" \
  -H 'Content-Type: application/json' \
  -d "{\"email\": \"$EMAIL\", \"password\": \"$PASSWORD\", \"display_name\": \"Ada Lovelace\"}"
# ANCHOR_END: create

# ANCHOR: login
step "Log in: POST /api/v1/auth/login" 200 \
  -X POST "$BASE_URL/api/v1/auth/login" \
  -H 'Content-Type: application/json' \
  -d "{\"email\": \"$EMAIL\", \"password\": \"$PASSWORD\"}"
ACCESS_TOKEN=$(json_field access_token)
REFRESH_TOKEN=$(json_field refresh_token)
[ -n "$ACCESS_TOKEN" ] && [ -n "$REFRESH_TOKEN" ] || fail "login returned no tokens"
AUTH="Authorization: Bearer $ACCESS_TOKEN"
# ANCHOR_END: login

# ANCHOR: fetch
step "Who am I? GET /api/v1/users/me" 200 \
  -H "$AUTH" "$BASE_URL/api/v1/users/me"
expect_body "\"email\":\"$EMAIL\""
LOCATION="/api/v1/users/$(json_field id)"
USER_URL="$BASE_URL$LOCATION"
step "My account by its id: GET $LOCATION" 200 \
  -H "$AUTH" "$USER_URL"
step "Without a token: GET /api/v1/users/me" 401 \
  "$BASE_URL/api/v1/users/me"
# ANCHOR_END: fetch

# ANCHOR: list
step "Listing every user is for admins: GET /api/v1/users" 403 \
  -H "$AUTH" "$BASE_URL/api/v1/users?limit=2"
# ANCHOR_END: list

# ANCHOR: update
step "Change my display name: PATCH $LOCATION" 200 \
  -X PATCH "$USER_URL" -H "$AUTH" \
  -H 'Content-Type: application/merge-patch+json' \
  -d '{"display_name": "Ada King"}'
expect_body '"display_name":"Ada King"'
step "But not my role: PATCH $LOCATION" 403 \
  -X PATCH "$USER_URL" -H "$AUTH" \
  -H 'Content-Type: application/merge-patch+json' \
  -d '{"role": "admin"}'
# ANCHOR_END: update

# ANCHOR: conflict
# The same address in capitals: uniqueness ignores case, so it is taken, and
# yet the answer is the same 202 as for a new address. Registration must not
# tell anyone which addresses have accounts; the owner gets an email instead.
SHOUTED_EMAIL=$(printf '%s' "$EMAIL" | tr '[:lower:]' '[:upper:]')
step "Register the same address again, in capitals" 202 \
  -X POST "$BASE_URL/api/v1/auth/register" \
  -H 'Content-Type: application/json' \
  -d "{\"email\": \"$SHOUTED_EMAIL\", \"password\": \"another passphrase\", \"display_name\": \"Impostor\"}"
step "The impostor's password opens nothing" 401 \
  -X POST "$BASE_URL/api/v1/auth/login" \
  -H 'Content-Type: application/json' \
  -d "{\"email\": \"$EMAIL\", \"password\": \"another passphrase\"}"
# ANCHOR_END: conflict

# ANCHOR: invalid
step "Send invalid input: POST /api/v1/auth/register" 422 \
  -X POST "$BASE_URL/api/v1/auth/register" \
  -H 'Content-Type: application/json' \
  -d '{"email": "not-an-address", "password": "short", "display_name": ""}'
expect_body 'urn:capstone:problem:validation'
# ANCHOR_END: invalid

# ANCHOR: refresh
step "Refresh: POST /api/v1/auth/refresh" 200 \
  -X POST "$BASE_URL/api/v1/auth/refresh" \
  -H 'Content-Type: application/json' \
  -d "{\"refresh_token\": \"$REFRESH_TOKEN\"}"
NEW_ACCESS_TOKEN=$(json_field access_token)
step "The old refresh token again: reuse, so the session is revoked" 401 \
  -X POST "$BASE_URL/api/v1/auth/refresh" \
  -H 'Content-Type: application/json' \
  -d "{\"refresh_token\": \"$REFRESH_TOKEN\"}"
AUTH="Authorization: Bearer $NEW_ACCESS_TOKEN"
# ANCHOR_END: refresh

# ANCHOR: docs
step "The users service's OpenAPI document, via the gateway: GET /api-docs/users/openapi.json" 200 \
  "$BASE_URL/api-docs/users/openapi.json"
expect_body '"openapi":"3.1'
step "The public keys that verify tokens: GET /.well-known/jwks.json" 200 \
  "$BASE_URL/.well-known/jwks.json"
expect_body '"crv":"Ed25519"'
step "Swagger UI, served from the binary: GET /docs/" 200 \
  "$BASE_URL/docs/"
# ANCHOR_END: docs

# ANCHOR: gateway
step "A path no route matches is refused at the edge: GET /nowhere" 404 \
  "$BASE_URL/nowhere"
expect_body '"type":"about:blank"'
# curl would resolve the dots itself; --path-as-is sends them as written.
step "A path that climbs out of its route is refused: GET /api/v1/auth/%2e%2e/%2e%2e/%2e%2e/metrics" 400 \
  --path-as-is "$BASE_URL/api/v1/auth/%2e%2e/%2e%2e/%2e%2e/metrics"
expect_body 'urn:capstone:problem:invalid-path'
step "Every limited route says what is left: GET /.well-known/jwks.json" 200 \
  -H "X-Request-Id: tour-$RANDOM" "$BASE_URL/.well-known/jwks.json"
printf 'RateLimit-Limit: %s, RateLimit-Remaining: %s, X-Request-Id: %s\n' \
  "$(header RateLimit-Limit)" "$(header RateLimit-Remaining)" "$(header X-Request-Id)"
[ -n "$(header RateLimit-Remaining)" ] || fail "no RateLimit-Remaining header"
case "$(header X-Request-Id)" in tour-*) ;; *) fail "the request id was not passed through" ;; esac
# ANCHOR_END: gateway

# ANCHOR: delete
step "Close my account: DELETE $LOCATION" 204 \
  -X DELETE -H "$AUTH" "$USER_URL"
USER_URL=""
step "Its tokens die with it: GET /api/v1/users/me" 401 \
  -H "$AUTH" "$BASE_URL/api/v1/users/me"
# ANCHOR_END: delete

printf '\ntour: every step answered as expected.\n'
