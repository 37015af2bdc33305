#!/usr/bin/env bash
# check-commit-title.sh TITLE: exits 1, saying why, unless TITLE is a
# conventional-commit header (docs/src/version-control.md):
#
#   type(scope)!: what changed
#
# type: feat fix perf docs refactor test build ci chore revert; the scope
# (lowercase, optional) names a part of the system; `!` marks a breaking
# change. A pull request's title becomes the squash commit on main, so the
# pr-title workflow (.github/workflows/pr-title.yml) runs this on every
# title; `--self-test` checks the rule itself (.ci/run).
set -euo pipefail

TYPES='feat|fix|perf|docs|refactor|test|build|ci|chore|revert'
# A summary of 1 to 100 characters that does not start with a space.
PATTERN="^($TYPES)(\\([a-z0-9][a-z0-9/_-]*\\))?!?: [^ ].{0,99}$"

conventional() { [[ $1 =~ $PATTERN ]]; }

self_test() {
  local good=("feat(users): read replicas with read-your-writes"
    "fix: refuse an empty body" "feat(gateway)!: drop the v1 routes"
    "docs(book): a learning path" "ci: cache the tool installs")
  local bad=("Read replicas for users" "feat(users) no colon" "feature: new thing"
    "fix:missing space" "Fix: capitalised type" "feat(Users): capital scope" "fix: "
    "docs: $(printf 'x%.0s' {1..101})")
  local title failed=0
  for title in "${good[@]}"; do
    conventional "$title" || { echo "self-test: refused a good title: $title" >&2; failed=1; }
  done
  for title in "${bad[@]}"; do
    ! conventional "$title" || { echo "self-test: passed a bad title: $title" >&2; failed=1; }
  done
  ((failed == 0)) && echo "check-commit-title: self-test ok (${#good[@]} good, ${#bad[@]} bad)"
  return "$failed"
}

title=${1:?usage: check-commit-title.sh TITLE | --self-test}
if [[ $title == --self-test ]]; then
  self_test
elif conventional "$title"; then
  echo "ok: $title"
else
  cat >&2 <<MESSAGE
not a conventional commit: $title
expected: type(scope): what changed, e.g. "fix(users): refuse an empty display name"
types: ${TYPES//|/, }; scope optional; "!" before ":" for a breaking change
(docs/src/version-control.md, "Conventional commits")
MESSAGE
  exit 1
fi
