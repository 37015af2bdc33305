#!/usr/bin/env bash
# web.sh: check and test the browser front end in web/ (Preact + Vite),
# which the gateway embeds from web/dist/ and serves at /.
#
# Why: the front end's committed outputs (the built web/dist/ and the
# client generated from the API schemas, web/src/generated/) must always be
# what the sources make, or the gateway would serve a stale app, typed
# against a stale API. And the journeys a person takes in a browser (sign
# up, verify, sign in, profile, password, sessions, admin) are only tested
# for real against the real system, through the gateway, in a real browser.
#
# Usage: bash scripts/web.sh build   # npm ci, then build web/dist (commit it)
#        bash scripts/web.sh check   # npm ci, type-check, regenerate, build;
#                                    # fails if web/dist or web/src/generated
#                                    # changed (commit them) or has new files
#        bash scripts/web.sh e2e [PLAYWRIGHT ARGS...]
#                                    # `capstone up` on free ports, its own
#                                    # databases and email directory; Playwright
#                                    # (web/e2e/) in Debian's Chromium; always
#                                    # stops the system; exits with the tests'
#                                    # status
# Needs: node >= 20.19 and npm; cargo; for e2e Postgres, Redis, RabbitMQ
# (scripts/dev-services.sh) and apt-get (Chromium is installed if missing).
# Playwright never downloads a browser here: it drives /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/capstone/target}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# One npm cache for every run on this machine, beside cargo's.
export npm_config_cache="$HOME/.cache/capstone/npm"
CAPSTONE_BIN="$CARGO_TARGET_DIR/debug/capstone"

step() { printf '\n== %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_dependencies() {
    step "npm ci (web/)"
    (cd web && npm ci --no-audit --no-fund)
}

build_capstone() {
    step "cargo build -p capstone"
    cargo build --quiet -p capstone
}

build() {
    install_dependencies
    step "npm run build (web/dist)"
    (cd web && npm run build)
}

check() {
    install_dependencies
    build_capstone
    # The OpenAPI document comes from this binary (web/scripts/openapi-document.mjs).
    export CAPSTONE_BIN
    step "npm run check (tsc, regenerate the clients, generated code unchanged)"
    (cd web && npm run check)
    step "npm run build (web/dist)"
    (cd web && npm run build)
    step "committed output is current"
    if ! git diff --exit-code --stat -- web/dist web/src/generated; then
        echo "web/dist or web/src/generated differs from what is committed:" >&2
        echo "run 'npm run generate && npm run build' in web/ and commit the result." >&2
        exit 1
    fi
    untracked=$(git ls-files --others --exclude-standard -- web/dist web/src/generated)
    if [ -n "$untracked" ]; then
        printf 'untracked files in committed output (commit them):\n%s\n' "$untracked" >&2
        exit 1
    fi
    echo "web: check passed; web/dist and web/src/generated are current"
}

e2e() {
    # CAPSTONE_CHROMIUM names another Chromium-family browser (GitHub's
    # runners have Google Chrome, and Ubuntu's chromium package is a snap).
    if [ -z "${CAPSTONE_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
        step "apt-get install chromium (Debian)"
        as_root apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
    fi
    install_dependencies

    # A system of its own (scripts/with-capstone.sh: databases, Redis keys,
    # ports, email directory), stopped and cleaned up however the tests end.
    export CAPSTONE_AMQP__PREFIX="capstone_web"
    # Every test signs in from the same address: the per-client rate limit
    # on /api/v1/auth (60 a minute) would throttle the suite, not a person.
    export CAPSTONE_GATEWAY__RATE_LIMITS__AUTH__REQUESTS=6000
    export CAPSTONE_GATEWAY__RATE_LIMITS__AUTH__PERIOD_SECS=60
    export CAPSTONE_GATEWAY__RATE_LIMITS__AUTH__BURST=1000
    export CAPSTONE_GATEWAY__RATE_LIMITS__GRAPHQL__REQUESTS=6000
    export CAPSTONE_GATEWAY__RATE_LIMITS__GRAPHQL__PERIOD_SECS=60
    export CAPSTONE_GATEWAY__RATE_LIMITS__GRAPHQL__BURST=1000
    export CAPSTONE_USERS__AUTH__LOGIN_THROTTLE__MAX_FAILURES_PER_ADDRESS=1000
    bash scripts/with-capstone.sh bash scripts/web.sh run-e2e "$@"
}

# run-e2e: the Playwright suite against the system with-capstone.sh started
# ($GW, $EMAILS and the settings it exported).
run_e2e() {
    # localhost, not 127.0.0.1: the refresh cookie is `Secure`, and browsers
    # accept Secure cookies over plain HTTP from localhost only.
    local base_url="http://localhost:${GW##*:}"
    step "npm run e2e (Playwright, web/e2e/) against $base_url"
    local status=0
    # The tests read emails from the sink and make an admin with the binary
    # (`capstone seed --admin`), which needs the same settings: exported by
    # with-capstone.sh.
    local report
    report=$(mktemp)
    (cd web && CAPSTONE_WEB_BASE_URL="$base_url" CAPSTONE_EMAIL_DIR="$EMAILS" \
        CAPSTONE_BIN="$CAPSTONE_BIN" npm run e2e -- "$@") 2>&1 | tee "$report" || status=$?
    if [ "$status" -ne 0 ]; then
        # Last: a CI page often shows only the end of the output.
        echo "--- the failures, as Playwright reported them above ---"
        sed -n '/^  1) /,$p' "$report" | head -n 80
    fi
    rm -f "$report"
    return "$status"
}

case "${1:-}" in
    build) build ;;
    check) check ;;
    e2e) shift; e2e "$@" ;;
    run-e2e) shift; run_e2e "$@" ;;
    *)
        echo "usage: bash scripts/web.sh build | check | e2e [PLAYWRIGHT ARGS...]" >&2
        exit 2
        ;;
esac
