#!/usr/bin/env bash
# chaos.sh: the chaos suite, one command. Builds the release binaries, starts
# a private RabbitMQ node and Redis, the users service and the worker as
# separate processes, writes through the API while faults land (worker,
# broker and relay SIGKILL, the worker's database cut, Redis killed, the
# network to RabbitMQ cut), then counts what was acknowledged against what
# arrived. Exits 1 if anything was lost, applied twice, dead-lettered by an
# outage or left pending.
#
# Usage: bash loadtests/chaos.sh --ci                     the CI size (about 3 minutes)
#        bash loadtests/chaos.sh --out loadtests/results  the published run (N = 10,000)
# Needs: Postgres, RabbitMQ's and Redis's Debian packages (scripts/dev-services.sh),
# python3, psql, rabbitmqctl; root, or a user that may run rabbitmq-server.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/capstone/target}"
cargo build --quiet --release -p capstone-users -p capstone-worker
cd loadtests
python3 -m chaos --binaries "$CARGO_TARGET_DIR/release" "$@"
