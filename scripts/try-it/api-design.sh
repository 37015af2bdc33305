#!/usr/bin/env bash
# The API design chapter's "Try it" (docs/src/api-design.md includes it):
# the same account through REST and GraphQL, and the schema the code serves.
# needs: capstone up (cargo run), jq
# Usage: bash scripts/try-it/api-design.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# ANCHOR: graphql
new_account     # register and log in (lib.sh): sets EMAIL and AUTH

# One round trip for the account and its sessions; REST needs two
step "GraphQL: me and my sessions" 200 -X POST "$GW/graphql" -H "$AUTH" -H "$JSON" \
  -d '{"query": "{ me { email sessions { id signedInAt current } } }"}'
expect "my address" "$(jq -r .data.me.email <<<"$BODY")" "$EMAIL"
expect "sessions that are this one" "$(jq '[.data.me.sessions[] | select(.current)] | length' <<<"$BODY")" 1

# An error a client can act on: a stable code in extensions, status 200
step "GraphQL: a field that does not exist" 200 -X POST "$GW/graphql" -H "$AUTH" -H "$JSON" \
  -d '{"query": "{ me { password } }"}'
jq -c '.errors[0] | {message, code: .extensions.code}' <<<"$BODY"

# The schema the code serves, as checked in (services/users/schema.graphql)
cargo run -q -- schema | head -20
# ANCHOR_END: graphql
