#!/usr/bin/env bash
# run.sh: the load tests, one command. Builds release binaries, starts every
# process on loopback (its own databases, ports and temp dir), runs each
# scenario closed loop then open loop, and writes results.json, results.md
# and SVG plots to loadtests/results/ (the published figures).
#
# Usage: bash loadtests/run.sh            full run (about 18 minutes), writes loadtests/results/
#        bash loadtests/run.sh --smoke    a second per scenario, the plumbing only (.ci/run),
#                                         writes to a temp dir unless --out is given
#        bash loadtests/run.sh --out DIR  write somewhere else
# Needs: Postgres, Redis, RabbitMQ (scripts/dev-services.sh), nginx
# (scripts/test-tools.sh installs Debian's nginx-light), python3 with venv, psql, redis-cli,
# openssl (a signing key per run).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/capstone/target}"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || {
  echo "run.sh: nginx is missing (bash scripts/test-tools.sh installs it)" >&2
  exit 1
}

# matplotlib in a venv of its own, kept between runs.
venv="$HOME/.cache/capstone/tools/loadtests-venv"
stamp="$venv/requirements.txt"
if ! cmp -s loadtests/requirements.txt "$stamp" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r loadtests/requirements.txt
  cp loadtests/requirements.txt "$stamp"
fi

# The services as users run them (release), and the harness's own tools
# (loadgen, bare, broker-baseline: their own workspace, see Cargo.toml).
cargo build --quiet --release -p capstone-users -p capstone-gateway -p capstone-worker
cargo build --quiet --release --manifest-path loadtests/Cargo.toml

args=("$@")
if [ "${1:-}" = "--smoke" ] && [[ " $* " != *" --out "* ]]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
  args+=(--out "$out")
fi
cd loadtests
"$venv/bin/python" -m harness "${args[@]}"
