#!/usr/bin/env bash
# The Data structures and algorithms chapter's "Try it"
# (docs/src/algorithms.md includes it): GCRA's whole state is one number in
# Redis, watched while a client spends its burst; then the ring's properties.
# needs: capstone up (cargo run), redis-cli
# Usage: bash scripts/try-it/algorithms.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# ANCHOR: gcra
# The "auth" class allows 60 a minute with a burst of 20: T = 1 s, τ = 19 s.
KEY="$PREFIX:ratelimit:auth:ip:127.0.0.1"
for i in 1 2 3; do
  step "Request $i" 401 -X POST "$GW/api/v1/auth/refresh" -H "$JSON" -d '{"refresh_token": "nope"}'
  # The stored value is the theoretical arrival time (TAT); the key lives
  # until the bucket is full again, which is what RateLimit-Reset says.
  echo "RateLimit-Remaining: $(header RateLimit-Remaining)  RateLimit-Reset: $(header RateLimit-Reset)" \
    " TAT: $(redis-cli get "$KEY")  expires in: $(redis-cli pttl "$KEY") ms"
done
expect "what is left after three" "$(header RateLimit-Remaining)" 17
PTTL=$(redis-cli pttl "$KEY")     # about 3 s: three requests, each costing T = 1 s
[ "$PTTL" -gt 2000 ] && [ "$PTTL" -le 3000 ] || fail "the key expires in $PTTL ms, not about 3 s"
# ANCHOR_END: gcra

# ANCHOR: ring
# The hash ring's properties, on generated instance lists and keys
cargo test -q -p capstone-gateway --lib hash_ring
# ANCHOR_END: ring
