#!/usr/bin/env bash
# check-forks.sh: proves that `capstone new` makes real projects (.ci/run
# calls it; docs/src/fork-starter.md explains the command). Two forks:
#
#   acme     everything kept, every name changed (crate prefix, environment
#            and metric prefixes, repository)
#   minimal  without the worker, the gateway and GraphQL (and what needs
#            them: the web app, the book, the deployment files, the load
#            tests…): every part's markers are exercised by one fork or the
#            other
#
# Each is generated from this checkout into a fixed directory (so cargo's
# fingerprints find last run's build there), then must:
#   1. say `capstone` nowhere but in its attribution (LICENSE, the README's
#      "Generated from" line);
#   2. pass `cargo fmt --check` and clippy with warnings as errors;
#   3. pass `cargo test --workspace`, its README's test command, against the
#      real Postgres, Redis and RabbitMQ;
#   4. start with its own `<name> up` (scripts/with-capstone.sh, renamed) and
#      stop cleanly on SIGINT;
#   5. where it kept the book, pass the book's checks (every include, path,
#      setting and test it cites exists in the fork).
# The forks' crates build into the shared target directory, beside ours:
# the dependencies are compiled once for all three. Each fork is made in a
# scratch directory and copied over last run's by content (rsync -c), so
# files that did not change keep their times and cargo rebuilds only what
# this change touched.
#
# Usage: bash scripts/check-forks.sh [acme|minimal]...   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
FORKS_DIR="${CAPSTONE_FORKS:-$HOME/.cache/capstone/forks}"

say() { printf 'check-forks: %s\n' "$*"; }
fail() { say "FAILED: $*" >&2; exit 1; }

# name, then the arguments `capstone new` gets.
declare -A FORKS=(
  [acme]="--name Acme --crate-prefix acme-co --env-prefix ACME --metric-prefix acmemetrics --repository acme-corp/acme"
  [minimal]="--name Minimal --without worker,gateway,graphql"
)
# The same names, for the checks below: what each fork is called.
declare -A SLUG=([acme]=acme [minimal]=minimal)

command -v rsync >/dev/null || fail "needs rsync (apt-get install rsync)"

selected=("$@")
[ ${#selected[@]} -gt 0 ] || selected=(acme minimal)

cargo build --quiet -p capstone
capstone="$CARGO_TARGET_DIR/debug/capstone"

check_fork() {
  local fork=$1 dir="$FORKS_DIR/$1" started
  started=$(date +%s)
  local scratch="$FORKS_DIR/.new-$fork"
  rm -rf "$scratch"
  # shellcheck disable=SC2086 # the arguments are words on purpose
  "$capstone" new "$scratch" ${FORKS[$fork]} || fail "$fork: capstone new failed"
  mkdir -p "$dir"
  rsync --recursive --links --perms --checksum --delete "$scratch/" "$dir/"
  rm -rf "$scratch"

  say "$fork: 1. nothing says capstone outside the attribution"
  local leftovers
  leftovers=$(cd "$dir" && git grep -n -i capstone -- ':!LICENSE' | grep -v '^README.md:[0-9]*:Generated from \[Capstone\]' || true)
  [ -z "$leftovers" ] || fail "$fork still says capstone:
$leftovers"

  say "$fork: 2. fmt and clippy"
  (cd "$dir" && cargo fmt --all --check) || fail "$fork: cargo fmt --check"
  (cd "$dir" && cargo clippy --quiet --locked --workspace --all-targets -- -D warnings) ||
    fail "$fork: clippy"

  say "$fork: 3. its README's test command"
  grep -q '^cargo test --workspace' "$dir/README.md" || fail "$fork: README has no test command"
  (cd "$dir" && cargo test --quiet --locked --workspace) || fail "$fork: cargo test --workspace"

  say "$fork: 4. ${SLUG[$fork]} up starts and stops cleanly"
  (cd "$dir" && bash "scripts/with-${SLUG[$fork]}.sh" true) || fail "$fork: ${SLUG[$fork]} up"

  if [ -d "$dir/docs" ]; then
    say "$fork: 5. its book's checks"
    (cd "$dir" && python3 scripts/check-doc-includes.py docs/src && python3 scripts/check-book.py) ||
      fail "$fork: the book cites what the fork does not have"
  fi

  say "$fork: passed in $(($(date +%s) - started)) s"
}

for fork in "${selected[@]}"; do
  [ -n "${FORKS[$fork]:-}" ] || fail "no fork named $fork (acme, minimal)"
  check_fork "$fork"
done
say "every fork builds, passes its tests and starts"
