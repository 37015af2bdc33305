#!/usr/bin/env bash
# The Security chapter's "Try it" (docs/src/security.md includes it): a token
# pair, what a JWT says, refresh-token rotation and reuse detection, and the
# login throttle. Through the gateway, like every client.
# needs: capstone up (cargo run), jq, redis-cli
# Usage: bash scripts/try-it/security.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# ANCHOR: pair
# Register (202, whether or not the address has an account), then log in (200: a token pair)
EMAIL="you-$(date +%s)-$RANDOM@example.com"
ME="{\"email\": \"$EMAIL\", \"password\": \"correct horse battery staple\"}"
step "Register" 202 -X POST "$GW/api/v1/auth/register" -H "$JSON" \
  -d "{\"email\": \"$EMAIL\", \"password\": \"correct horse battery staple\", \"display_name\": \"You\"}"
step "Log in" 200 -X POST "$GW/api/v1/auth/login" -H "$JSON" -d "$ME"
ACCESS=$(jq -r .access_token <<<"$BODY")
REFRESH=$(jq -r .refresh_token <<<"$BODY")
# ANCHOR_END: pair
close_account_at_exit "$EMAIL" "correct horse battery staple"

# ANCHOR: claims
# What the access token says (header and claims are base64url, not encrypted)
CLAIMS=$(jq -R 'split(".") | .[0,1] | gsub("-";"+") | gsub("_";"/") | @base64d | fromjson' <<<"$ACCESS")
echo "$CLAIMS"
expect "the signing algorithm" "$(jq -rs '.[0].alg' <<<"$CLAIMS")" EdDSA
expect "the lifetime in seconds" "$(jq -s '.[1].exp - .[1].iat' <<<"$CLAIMS")" 900
# ANCHOR_END: claims

# ANCHOR: whoami
# Who am I? 200 with the token; 401 and a WWW-Authenticate header without it
step "With the token" 200 "$GW/api/v1/users/me" -H "Authorization: Bearer $ACCESS"
step "Without it" 401 "$GW/api/v1/users/me"
expect_in "the challenge" "$(header WWW-Authenticate)" 'Bearer'
# ANCHOR_END: whoami

# ANCHOR: reuse
# Refresh: a new pair, and the old refresh token is now spent
step "Refresh" 200 -X POST "$GW/api/v1/auth/refresh" -H "$JSON" \
  -d "{\"refresh_token\": \"$REFRESH\"}"
NEW_REFRESH=$(jq -r .refresh_token <<<"$BODY")
ACCESS=$(jq -r .access_token <<<"$BODY")

# Replay the spent one, as a thief would: 401, and the session is revoked...
step "Replay the spent refresh token" 401 -X POST "$GW/api/v1/auth/refresh" -H "$JSON" \
  -d "{\"refresh_token\": \"$REFRESH\"}"
# ...so the newest refresh token of that login is dead too: 401
step "The newest one of that login" 401 -X POST "$GW/api/v1/auth/refresh" -H "$JSON" \
  -d "{\"refresh_token\": \"$NEW_REFRESH\"}"
# ANCHOR_END: reuse

# ANCHOR: throttle
# Guess at an account five times (five 401s), then once more: 429, and when to retry
NOBODY="nobody-$(date +%s)-$RANDOM@example.com"
for i in 1 2 3 4 5; do
  step "Guess $i" 401 -X POST "$GW/api/v1/auth/login" -H "$JSON" \
    -d "{\"email\": \"$NOBODY\", \"password\": \"a guess\"}"
done
step "Guess 6" 429 -X POST "$GW/api/v1/auth/login" -H "$JSON" \
  -d "{\"email\": \"$NOBODY\", \"password\": \"a guess\"}"
echo "Retry-After: $(header Retry-After)"
# The counters behind it: one for that account (a hash, not the email), one for your address
KEYS=$(redis-cli --scan --pattern "$PREFIX:*login-failures*")
echo "$KEYS"
expect_in "the throttle's keys" "$KEYS" "login-failures:account:"
expect_in "the throttle's keys" "$KEYS" "login-failures:ip:127.0.0.1"
# ANCHOR_END: throttle
