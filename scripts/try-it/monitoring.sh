#!/usr/bin/env bash
# The Performance monitoring chapter's "Try it" (docs/src/monitoring.md
# includes it): make some traffic, then read each service's /metrics.
# Each service serves its own series on its own port, so this one talks to
# the users service and the worker directly: there is no route to their
# /metrics through the gateway, on purpose.
# needs: capstone up (cargo run), jq
# Usage: bash scripts/try-it/monitoring.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# ANCHOR: traffic
curl -s -o /dev/null "$GW/api/v1/users/me"        # 401: no token
curl -s -o /dev/null "$GW/no/such/page"           # 404: no route
curl -s "$GW/metrics" | grep -v _bucket > "$WORK_DIR/gateway"   # the gateway's series
grep -E '^capstone_(http_requests_total|gateway_breaker_state)' "$WORK_DIR/gateway"
expect_in "the gateway's counters" "$(cat "$WORK_DIR/gateway")" \
  'capstone_http_requests_total{service="gateway",method="GET",route="unmatched",status="404"} 1'
expect_in "the gateway's breakers" "$(cat "$WORK_DIR/gateway")" 'state="closed"} 1'
curl -s "$USERS/metrics" | grep '^capstone_http_requests_total'
curl -s "$USERS/metrics" | grep -E '^capstone_(db_pool|redis|amqp)_'
curl -s "$WORKER/metrics" | grep '^capstone_worker_'
# ANCHOR_END: traffic

# ANCHOR: cache
# Register, log in and read yourself a few times, then watch the cache
new_account
for _ in 1 2 3; do curl -s -o /dev/null "$GW/api/v1/users/me" -H "$AUTH"; done
curl -s "$USERS/metrics" | grep -E '^capstone_users_cache_'
expect_in "the cache's series" "$(curl -s "$USERS/metrics")" 'capstone_users_cache_'
# ANCHOR_END: cache
