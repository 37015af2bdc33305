#!/usr/bin/env bash
# The Back-end languages chapter's "Try it" (docs/src/languages.md includes
# it): what the compiler and its tools tell you before anything runs.
# Usage: bash scripts/try-it/languages.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."

# ANCHOR: tools
rustc --version; cargo --version
cargo tree -p capstone-users --edges normal --depth 1     # what the users service is built on
cargo clippy -q --workspace --all-targets -- -D warnings && echo "clippy: nothing to say"
# ANCHOR_END: tools
