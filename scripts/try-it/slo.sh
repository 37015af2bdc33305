#!/usr/bin/env bash
# The SLO chapter's "Try it" (docs/src/slo.md includes it): the service
# level indicators computed by hand from the gateway's own counters, the
# same arithmetic the recording rules do over 30 days.
# needs: capstone up (cargo run)
# Usage: bash scripts/try-it/slo.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# ANCHOR: sli
# Some traffic: reads that succeed, a 404, a 401
for _ in $(seq 1 20); do curl -s -o /dev/null "$GW/.well-known/jwks.json"; done
curl -s -o /dev/null "$GW/api/v1/users/00000000-0000-0000-0000-000000000000"   # 401: no token
curl -s "$GW/metrics" > "$WORK_DIR/metrics"

# Availability: requests not answered 5xx, over all requests (4xx are good events)
awk '/^capstone_http_requests_total\{service="gateway"/ {
       all += $NF; if ($0 ~ /status="5/) bad += $NF }
     END { printf "availability: %d of %d good = %.4f\n", all - bad, all, (all - bad) / all }' \
  "$WORK_DIR/metrics"

# Latency, api class: requests answered within 250 ms, over all of them
awk '/^capstone_http_request_duration_seconds_bucket\{service="gateway".*route="\/.well-known/ {
       if ($0 ~ /le="0.25"/) fast += $NF; if ($0 ~ /le="\+Inf"/) all += $NF }
     END { printf "latency SLI (/.well-known, 250 ms): %d of %d = %.4f\n", fast, all, fast / all }' \
  "$WORK_DIR/metrics"
# ANCHOR_END: sli
expect_in "the counters" "$(cat "$WORK_DIR/metrics")" 'route="/.well-known'
grep -q 'le="0.25"' "$WORK_DIR/metrics" || fail "no 250 ms bucket: the latency SLI cannot be computed"
