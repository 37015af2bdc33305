#!/usr/bin/env bash
# test-tools.sh: the programs some tests run besides our own, installed from
# Debian's packages when missing (Debian/Ubuntu; safe to rerun).
#
#   nginx (nginx-light)  crates/capstone/tests/deploy_config/edge_paths.rs
#                        starts a private nginx (its own prefix, pid and
#                        logs in a temp dir, never the package's service)
#                        with the compose edge's config and checks that it
#                        refuses what the gateway refuses.
#
# The services the tests talk to (Postgres, Redis, RabbitMQ) are
# scripts/dev-services.sh's job. .ci/run calls both before the tests.
# macOS: `brew install nginx`.
set -euo pipefail

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  echo "test-tools: ok nginx"
  exit 0
fi
echo "test-tools: installing nginx-light"
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends nginx-light
# The package's own service is not needed (and may have started): stop it,
# so port 80 stays free and nothing runs that no test asked for.
as_root nginx -s stop 2>/dev/null || true
echo "test-tools: ok nginx"
