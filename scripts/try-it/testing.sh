#!/usr/bin/env bash
# The Testing chapter's "Try it" (docs/src/testing.md includes it): running
# part of the suite. Tests need Postgres, Redis and RabbitMQ
# (scripts/dev-services.sh); each makes its own database, keys and queues.
# Usage: bash scripts/try-it/testing.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."

# ANCHOR: run
cargo test -p capstone-users --lib                       # only the users service's unit tests
cargo test -p capstone-users --test api list_users       # tests whose name contains "list_users"
TEST_LOG=1 cargo test -p capstone-users --test api create_returns_409 -- --nocapture
# ANCHOR_END: run
