#!/bin/sh
# The part of the official postgres entrypoint compose.yaml relies on.
set -eu
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required, as in the official image}"
user=${POSTGRES_USER:-postgres}
database=${POSTGRES_DB:-$user}
mkdir -p "$PGDATA" /run/postgresql
chown -R postgres:postgres "$PGDATA" /run/postgresql
chmod 700 "$PGDATA"
as_postgres() { runuser -u postgres -- "$@"; }
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    printf '%s\n' "$POSTGRES_PASSWORD" >/tmp/pwfile
    chown postgres /tmp/pwfile
    as_postgres initdb --username="$user" --pwfile=/tmp/pwfile \
        --auth-host=scram-sha-256 --auth-local=trust >/dev/null
    rm -f /tmp/pwfile
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    if [ "$database" != postgres ]; then
        as_postgres pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
        as_postgres psql --username="$user" --dbname=postgres \
            -c "CREATE DATABASE \"$database\"" >/dev/null
        as_postgres pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    fi
fi
exec runuser -u postgres -- postgres -c listen_addresses='*'
