#!/usr/bin/env bash
# The Frameworks chapter's "Try it" (docs/src/frameworks.md includes it):
# what the standard middleware leaves on every answer, the OpenAPI document
# utoipa derives from the code, and the CLI clap builds.
# needs: capstone up (cargo run), jq
# Usage: bash scripts/try-it/frameworks.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# ANCHOR: middleware
# A request id, the security headers, a problem+json body: the middleware's work
step "Invalid input" 422 -X POST "$GW/api/v1/auth/register" -H "$JSON" \
  -d '{"email": "not-an-address", "password": "short", "display_name": ""}'
grep -i -e '^x-request-id' -e '^x-content-type-options' -e '^content-security-policy' \
  -e '^content-type' "$WORK_DIR/headers"
expect "the content type" "$(header Content-Type)" "application/problem+json"
expect "nosniff" "$(header X-Content-Type-Options)" nosniff
jq -c '[.errors[] | {pointer, code}]' <<<"$BODY"    # validator's field details
# ANCHOR_END: middleware

# ANCHOR: openapi
# The routes the OpenAPI document lists, derived from the handlers
step "The OpenAPI document" 200 "$GW/api-docs/users/openapi.json"
jq -r '.paths | keys[]' <<<"$BODY"
expect_in "the documented paths" "$(jq -r '.paths | keys[]' <<<"$BODY")" "/api/v1/auth/login"
cargo run -q -- --help      # clap: the subcommands and their help
# ANCHOR_END: openapi
