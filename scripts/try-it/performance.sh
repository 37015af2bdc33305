#!/usr/bin/env bash
# The Performance chapter's "Try it" (docs/src/performance.md includes it):
# the two cache layers at work, watched from Redis's side.
# needs: capstone up (cargo run), jq, redis-cli
# Usage: bash scripts/try-it/performance.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# ANCHOR: cached
new_account     # register, log in, read yourself (lib.sh): sets ACCESS, AUTH, USER_ID
KEY="$PREFIX:users:v2:$USER_ID"

# What the service keeps in Redis now
redis-cli --scan --pattern "$PREFIX:users:*"
redis-cli get "$KEY"            # {"Found":{...}}: the user as JSON
expect_in "the cached user" "$(redis-cli get "$KEY")" '"Found"'
TTL=$(redis-cli ttl "$KEY")     # between 300 and 330: five minutes plus jitter
[ "$TTL" -gt 290 ] && [ "$TTL" -le 330 ] || fail "TTL $TTL is not five minutes plus jitter"
echo "ttl: $TTL"
# ANCHOR_END: cached

# ANCHOR: monitor
# Every command Redis receives, for this key (MONITOR is for development only)
redis-cli monitor >> "$WORK_DIR/monitor" & MONITOR=$!   # >>: so it can be emptied below
at_exit "kill $MONITOR"
sleep 5.5     # the in-process copy lives 5 s (users.cache.local_ttl_ms)
for _ in 1 2 3; do curl -s -o /dev/null "$GW/api/v1/users/me" -H "$AUTH"; done
sleep 0.5
grep -aF "\"$KEY\"" "$WORK_DIR/monitor"
# One GET, for the first read; the other two never left the process.
expect "Redis reads of the user" "$(grep -acF "\"GET\" \"$KEY\"" "$WORK_DIR/monitor")" 1
# ANCHOR_END: monitor

# ANCHOR: invalidate
# Change your name: the write deletes the cached copy...
: > "$WORK_DIR/monitor"
step "Rename" 200 -X PATCH "$GW/api/v1/users/$USER_ID" -H "$AUTH" -H "$JSON" \
  -d '{"display_name": "You, renamed"}'
expect "the cached copy exists" "$(redis-cli exists "$KEY")" 0
# ...and the next read goes to Postgres, then caches the user again, with another jitter
step "Read again" 200 "$GW/api/v1/users/me" -H "$AUTH"
expect "the new name" "$(jq -r .display_name <<<"$BODY")" "You, renamed"
redis-cli ttl "$KEY"
sleep 0.5
grep -aF "\"$KEY\"" "$WORK_DIR/monitor"   # DEL, then GET (nothing), then SET ... EX
expect_in "what Redis saw" "$(grep -aF "\"$KEY\"" "$WORK_DIR/monitor")" '"DEL"'
# ANCHOR_END: invalidate

# ANCHOR: negative
# Close the account, and read once more with its (still well-signed) token
step "Close the account" 204 -X DELETE "$GW/api/v1/users/$USER_ID" -H "$AUTH"
step "Read with its token" 401 "$GW/api/v1/users/me" -H "$AUTH"
expect "the cached answer" "$(redis-cli get "$KEY")" '"Missing"'
TTL=$(redis-cli ttl "$KEY")    # 30 or less: a miss is remembered briefly
[ "$TTL" -le 30 ] || fail "a miss is cached for $TTL s, not 30 or less"
echo "ttl: $TTL"
# ANCHOR_END: negative
