#!/usr/bin/env bash
# The Server, network and hosting chapter's "Try it"
# (docs/src/server-and-network.md includes it): what the gateway does to a
# request on its way in, which client address is believed, rate limits,
# what an upstream receives, and a timeout that opens a circuit breaker.
# needs: capstone up (cargo run), jq, redis-cli, python3, kubectl
# Usage: bash scripts/try-it/server-and-network.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."    # kubectl reads k8s/ below

# ANCHOR: names
# What getaddrinfo answers: the question every client in this chapter asks
getent hosts localhost          # the first address
getent ahosts localhost         # every address, in the order a client tries them
cat /etc/resolv.conf            # whom this machine asks, and its search list
if getent hosts nowhere.invalid; then fail "nowhere.invalid resolved"; else echo "exit $?"; fi  # no such name: exit 2

# The Services the manifests declare (no type: means ClusterIP), and the headless ones
kubectl kustomize k8s/overlays/dev | grep -A14 '^kind: Service$' | grep -E '^  name:|type:'
expect "headless Services" "$(kubectl kustomize k8s/overlays/dev | grep -c 'clusterIP: None' || true)" 0
# ANCHOR_END: names

# ANCHOR: edge
# No route matches: the gateway's own 404 problem; the users service never sees it
step "No route" 404 "$GW/nowhere"
expect_body '"type":"about:blank"'

# Register and log in through the gateway: route /api/v1/auth, public, class "auth"
new_account
step "Log in again, to see the limit" 200 -X POST "$GW/api/v1/auth/login" -H "$JSON" \
  -d "{\"email\": \"$EMAIL\", \"password\": \"$PASSWORD\"}"
expect "the auth class's limit" "$(header RateLimit-Policy)" "20;w=60"

# A protected route: 401 at the edge without a token, 200 with one (class "api", per user)
step "No token" 401 "$GW/api/v1/users/me"
expect_in "the challenge" "$(header WWW-Authenticate)" 'Bearer realm="capstone"'
# A refused token still spends its address's budget: guessing tokens is not free
expect "the limit a refused request spent" "$(header RateLimit-Limit)" 100
step "A token" 200 "$GW/api/v1/users/me" -H "$AUTH"
expect "the api class's limit" "$(header RateLimit-Policy)" "100;w=60"

# Your own request id goes to the users service and comes back
step "My request id" 200 "$GW/.well-known/jwks.json" -H 'X-Request-Id: try-it-1'
expect "the request id" "$(header X-Request-Id)" try-it-1
# ANCHOR_END: edge

# ANCHOR: forwarded
# Forge an address. Through the gateway, which trusts no one, the claim is dropped...
NOBODY='{"email": "nobody@example.com", "password": "a guess"}'
step "Forged, through the gateway" 401 -X POST "$GW/api/v1/auth/login" -H "$JSON" \
  -H 'X-Forwarded-For: 198.51.100.7' -d "$NOBODY"
# ...but straight to the users service from loopback, which it trusts, it is believed
step "Forged, straight to the users service" 401 -X POST "$USERS/api/v1/auth/login" -H "$JSON" \
  -H 'X-Forwarded-For: 203.0.113.7' -d "$NOBODY"
KEYS=$(redis-cli --scan --pattern "$PREFIX:*login-failures:ip:*")
echo "$KEYS"
expect_in "the addresses counted" "$KEYS" "ip:127.0.0.1"
expect_in "the addresses counted" "$KEYS" "ip:203.0.113.7"
case "$KEYS" in *198.51.100.7*) fail "the gateway passed a forged address on" ;; esac
# ANCHOR_END: forwarded

# ANCHOR: burst
# Spend the "auth" burst of 20: the users service answers 401, then the gateway 429
for i in $(seq 1 40); do
  code=$(curl -s -o /dev/null -D "$WORK_DIR/headers" -w '%{http_code}' -X POST \
    "$GW/api/v1/auth/refresh" -H "$JSON" -d '{"refresh_token": "nope"}')
  printf '%s ' "$code"
  [ "$code" = 429 ] && break
done; echo
expect "the answer once the burst is spent" "$code" 429
echo "Retry-After: $(header Retry-After), RateLimit-Reset: $(header RateLimit-Reset)"
expect "Retry-After" "$(header Retry-After)" 1
redis-cli --scan --pattern "$PREFIX:ratelimit:*"
expect_in "the limiter's keys" "$(redis-cli --scan --pattern "$PREFIX:ratelimit:*")" "ratelimit:auth:ip:127.0.0.1"
# ANCHOR_END: burst

# ANCHOR: echo
# A tiny server that answers with the headers it got, behind a second gateway
cat > "$WORK_DIR/echo_headers.py" <<'PY'
from http.server import BaseHTTPRequestHandler, HTTPServer

class Echo(BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"{self.command} {self.path}\n{self.headers}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

HTTPServer(("127.0.0.1", 9999), Echo).serve_forever()
PY
cat > "$WORK_DIR/echo-gateway.toml" <<'TOML'
[gateway.upstreams.echo]
instances = ["http://127.0.0.1:9999"]
health_check = { path = "/", interval_ms = 2000, timeout_ms = 1000 }

[[gateway.routes]]
prefix = "/echo"
upstream = "echo"
TOML
python3 "$WORK_DIR/echo_headers.py" 2>/dev/null & at_exit "kill $!"
wait_for_url http://127.0.0.1:9999/     # up before the gateway's first health check
start_gateway 9080 "$WORK_DIR/echo-gateway.toml"

step "What the upstream receives" 200 "http://127.0.0.1:9080/echo/hello?x=1" \
  -H 'X-Forwarded-For: 1.2.3.4' \
  -H 'Connection: keep-alive, X-Secret-Hop' -H 'X-Secret-Hop: 1' \
  -H 'X-Capstone-User-Role: admin' \
  -H 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
expect_body 'x-forwarded-for: 127.0.0.1'
expect_body 'forwarded: for=127.0.0.1;proto=http;host="127.0.0.1:9080"'
expect_body 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-'   # the same trace, a new parent
for gone in 1.2.3.4 X-Secret-Hop X-Capstone-User-Role; do
  if grep -qi -- "$gone" "$WORK_DIR/body"; then fail "$gone reached the upstream"; fi
done
# ANCHOR_END: echo

# ANCHOR: impatient
# A gateway in front of the same users service whose only route has a
# timeout no login can meet (a login costs an argon2 hash: tens of ms)
cat > "$WORK_DIR/impatient-gateway.toml" <<TOML
[gateway.upstreams.users]
instances = ["$USERS"]

[[gateway.routes]]
prefix = "/api/v1/auth"
upstream = "users"
timeout_ms = 5
TOML
start_gateway 9090 "$WORK_DIR/impatient-gateway.toml"
ME="{\"email\": \"$EMAIL\", \"password\": \"$PASSWORD\"}"
for i in 1 2 3; do
  step "Login $i through the impatient gateway" 504 -X POST http://127.0.0.1:9090/api/v1/auth/login \
    -H "$JSON" -d "$ME"
  expect_body 'upstream-timeout'
done
# Three timeouts in a row open the instance's breaker: the fourth never leaves the gateway
step "Login 4" 503 -X POST http://127.0.0.1:9090/api/v1/auth/login -H "$JSON" -d "$ME"
expect_body 'upstream-unavailable'
expect "Retry-After" "$(header Retry-After)" 5
grep -o 'circuit breaker opened[^"]*' "$WORK_DIR/gateway-9090.log" | head -n 1
# ANCHOR_END: impatient
