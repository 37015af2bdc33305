#!/usr/bin/env bash
# The entrypoint of compose's postgres-replica (profile full): a hot standby
# that streams from the `postgres` service, for the users service's reads
# that may lag the primary by a moment (users.read_replicas).
#
# The first start waits for the primary and clones it, once, with
# `pg_basebackup -R` (which also writes how to reach the primary and the
# standby.signal that keeps this copy read-only); every later start only
# runs postgres, which resumes streaming where it stopped. The primary
# admits the replication role from the compose network because
# primary-init.sh, beside this file, ran when its volume was made.
#
# Same image as the primary, run as root like the image's own entrypoint:
# it hands the volume to the postgres user, then runs as that user.
set -euo pipefail
trap 'exit 143' TERM INT # PID 1 while it waits: stop promptly on `compose stop`

primary_host=${PRIMARY_HOST:-postgres}
primary_port=${PRIMARY_PORT:-5432}
replication_user=${POSTGRES_REPLICATION_USER:-replicator}
: "${POSTGRES_REPLICATION_PASSWORD:?is the password of the replication role (compose.yaml)}"
: "${PGDATA:?names the data directory, below the volume}"

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$(dirname "$PGDATA")"
  chown postgres:postgres "$(dirname "$PGDATA")"
  exec gosu postgres bash "${BASH_SOURCE[0]}" "$@"
fi

say() { printf 'postgres-replica: %s\n' "$*"; }
hint() {
  say "the primary refused the replication role? Its role and pg_hba.conf line come"
  say "from primary-init.sh, which a volume made before that file existed never ran."
  say "Run it once, by hand (it also sets the role's password from compose.yaml):"
  say "  docker compose exec postgres bash /docker-entrypoint-initdb.d/replication.sh"
}

# libpq reads the password from the environment: pg_basebackup -R then
# writes it into primary_conninfo, where the standby finds it on every start.
export PGPASSWORD=$POSTGRES_REPLICATION_PASSWORD
primary="host=$primary_host port=$primary_port user=$replication_user application_name=postgres-replica"

waited=0
until pg_isready --quiet --host="$primary_host" --port="$primary_port"; do
  if ((waited >= 120)); then
    say "the primary $primary_host:$primary_port did not answer in ${waited} s"
    exit 1
  fi
  sleep 1
  waited=$((waited + 1))
done

# A copy of another cluster (the primary's volume was removed and made
# again) could never follow it: clone the new one instead.
if [ -s "$PGDATA/PG_VERSION" ]; then
  ours=$(pg_controldata "$PGDATA" | sed -n 's/^Database system identifier: *//p')
  theirs=$(psql --no-psqlrc --tuples-only --no-align \
    --dbname="$primary replication=true" --command=IDENTIFY_SYSTEM | cut -d '|' -f 1) ||
    { hint; exit 1; }
  if [ "$ours" != "$theirs" ]; then
    say "the primary is another cluster now (system identifier $theirs, this copy's $ours): cloning it again"
    rm -rf "$PGDATA"
  fi
fi

# Cloned beside the data directory and renamed once complete, so that a
# clone cut short is never mistaken for a replica on the next start.
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  rm -rf "$PGDATA.partial"
  say "cloning $primary_host:$primary_port (pg_basebackup -R, as $replication_user)"
  pg_basebackup --pgdata="$PGDATA.partial" --dbname="$primary" \
    --write-recovery-conf --wal-method=stream --checkpoint=fast ||
    { hint; exit 1; }
  mv "$PGDATA.partial" "$PGDATA"
  say "cloned; starting as a hot standby"
fi

exec postgres "$@"
