#!/usr/bin/env bash
# The edge chapter's "Try it" (docs/src/the-edge.md includes it): gateways
# that share one rate-limit budget in Redis, and one that limits on its own
# without Redis.
# needs: capstone up (cargo run), jq
# Usage: bash scripts/try-it/the-edge.sh
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
