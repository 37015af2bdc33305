#!/usr/bin/env bash
# The Version control chapter's "Try it" (docs/src/version-control.md
# includes it): the rule a pull-request title must follow, checked by the
# same script the pr-title workflow runs.
# Usage: bash scripts/try-it/version-control.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."

# ANCHOR: titles
bash scripts/check-commit-title.sh "feat(users): a session list in GraphQL"          # passes
bash scripts/check-commit-title.sh "fix(gateway)!: refuse encoded slashes"           # passes: ! marks a breaking change
if bash scripts/check-commit-title.sh "Fixed the gateway"; then fail "a title without a type passed"; fi
if bash scripts/check-commit-title.sh "feature: something"; then fail "an unknown type passed"; fi
git log --oneline -5        # what the history looks like
# ANCHOR_END: titles
