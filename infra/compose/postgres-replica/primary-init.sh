#!/usr/bin/env bash
# Lets compose's postgres-replica (profile full) stream from the `postgres`
# service: a role that may log in for replication and do nothing else, and
# a pg_hba.conf line that admits it for replication only, from the compose
# network only (samenet: the subnets of the server's own interfaces), by
# password (scram-sha-256, as every other connection over the network).
# Nothing changes for the lite stack, which runs no replica.
#
# compose.yaml mounts it into the primary's /docker-entrypoint-initdb.d, so
# the postgres image runs it once, when it initialises an empty volume. A
# volume made before this file existed needs it run once by hand; a second
# run changes nothing:
#   docker compose exec postgres bash /docker-entrypoint-initdb.d/replication.sh
#
# No `set -u`, and no `exit`: the image's entrypoint sources a script that
# is not executable, and both would then apply to the entrypoint itself.
set -eo pipefail

user=${POSTGRES_REPLICATION_USER:-replicator}
: "${POSTGRES_REPLICATION_PASSWORD:?is the password of the replication role (compose.yaml)}"

# The password goes through the environment (\getenv), not the command line.
psql --no-psqlrc --quiet --set=ON_ERROR_STOP=1 \
  --username="${POSTGRES_USER:-postgres}" --dbname=postgres --set=role="$user" <<'SQL'
\getenv password POSTGRES_REPLICATION_PASSWORD
SELECT format('%s ROLE %I WITH LOGIN REPLICATION PASSWORD %L',
              CASE WHEN EXISTS (SELECT FROM pg_roles WHERE rolname = :'role')
                   THEN 'ALTER' ELSE 'CREATE' END,
              :'role', :'password')
\gexec
SQL

line="host replication $user samenet scram-sha-256"
if ! grep -qxF "$line" "$PGDATA/pg_hba.conf"; then
  printf '# compose profile full: postgres-replica (infra/compose/postgres-replica)\n%s\n' \
    "$line" >>"$PGDATA/pg_hba.conf"
fi
psql --no-psqlrc --quiet --set=ON_ERROR_STOP=1 --username="${POSTGRES_USER:-postgres}" \
  --dbname=postgres --command='SELECT pg_reload_conf()' >/dev/null
echo "primary-init: role $user may stream from the compose network (pg_hba.conf: $line)"
