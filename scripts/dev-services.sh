#!/usr/bin/env bash
# dev-services.sh: make sure PostgreSQL, Redis and RabbitMQ are running on
# localhost (Debian/Ubuntu), installing the Debian packages if they are missing.
#
# Why: Capstone's tests and local runs expect
#   postgres://postgres:postgres@127.0.0.1:5432   redis://127.0.0.1:6379
#   amqp://guest:guest@127.0.0.1:5672
# .ci/run calls this script before the tests; the README's "Getting Postgres,
# Redis and RabbitMQ" names it for a Debian machine.
# It is idempotent: when everything is already up it only prints "ok" lines
# and returns in well under a second. It does not need systemd (CI containers
# have none); it starts the daemons directly.
#
# macOS: use Homebrew instead (brew install postgresql redis rabbitmq &&
#        brew services start ...). Containers: docker compose up -d postgres redis rabbitmq
#
# --replica adds a streaming replica of that Postgres on 127.0.0.1:5433, for
# the users service's read replicas (users.read_replicas): cloned once with
# pg_basebackup, started with pg_ctl, never a change to the Postgres on 5432.
#
# Usage: bash scripts/dev-services.sh [--replica] [--check | --help]
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bash scripts/dev-services.sh [--replica] [--check | --help]

Ensure PostgreSQL (127.0.0.1:5432), Redis (127.0.0.1:6379) and RabbitMQ
(127.0.0.1:5672) are running, installing missing Debian packages with apt-get.

  --replica  also a streaming replica of that PostgreSQL on 127.0.0.1:5433
             (read-only, a hot standby), and print the setting that points
             the users service at it:
               CAPSTONE_USERS__READ_REPLICAS__URLS='["postgres://postgres:postgres@127.0.0.1:5433/capstone"]'
  --check    only report status; install/start nothing; exit 1 if any is down
             (with --replica, the replica too)
  --help     show this help

The replica is cloned once, with pg_basebackup -R, into
${XDG_CACHE_HOME:-~/.cache}/capstone/pg-replica of the user it runs as: you,
or the postgres user when this runs as root (PostgreSQL refuses to run as
root), i.e. ~postgres/.cache/capstone/pg-replica. Later runs only start it.
It needs the PostgreSQL on 5432 to admit replication connections from
127.0.0.1 for the role postgres: a `host replication postgres 127.0.0.1/32
<method>` line in its pg_hba.conf. This script never changes that server's
configuration: it says what is missing. To stop the replica and forget it
(as the user it runs as; Debian: pg_ctl is in /usr/lib/postgresql/<version>/bin):
  pg_ctl -D <dir> stop && rm -rf <dir>
EOF
}

CHECK_ONLY=0
REPLICA=0
for arg in "$@"; do
  case "$arg" in
    "") ;;
    --check) CHECK_ONLY=1 ;;
    --replica) REPLICA=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "dev-services: unknown argument: $arg" >&2; usage >&2; exit 2 ;;
  esac
done

# Print one status line: <verb> <service> <detail>
say() { printf '%-7s %-9s %s\n' "$1" "$2" "$3"; }

# Run a command as root: directly, via sudo, or give up with a hint.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "dev-services: root is needed to run: $*" >&2
    echo "dev-services: run as root: su -c 'bash $0'" >&2
    exit 1
  fi
}

# Use service/systemctl only when systemd really is PID 1.
have_systemd() { [ -d /run/systemd/system ]; }

# ---- per-service knowledge ------------------------------------------------

# Newest PostgreSQL version that has a "main" cluster (e.g. 15), or empty.
pg_version() {
  find /etc/postgresql -mindepth 2 -maxdepth 2 -type d -name main 2>/dev/null |
    cut -d/ -f4 | sort -V | tail -n 1
}

tcp_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

is_up() {
  case "$1" in
    postgres)
      if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h 127.0.0.1 -p 5432
      else
        tcp_open 5432
      fi ;;
    redis) [ "$(timeout 2 redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ] ;;
    rabbitmq) tcp_open 5672 ;;
  esac
}

package_of() {
  case "$1" in
    postgres) echo postgresql ;;
    redis) echo redis-server ;;
    rabbitmq) echo rabbitmq-server ;;
  esac
}

addr_of() {
  case "$1" in
    postgres) echo 127.0.0.1:5432 ;;
    redis) echo 127.0.0.1:6379 ;;
    rabbitmq) echo 127.0.0.1:5672 ;;
  esac
}

log_of() {
  case "$1" in
    postgres) echo "/var/log/postgresql/postgresql-$(pg_version)-main.log" ;;
    redis) echo /var/log/redis/ci.log ;;
    rabbitmq) echo "/var/log/rabbitmq/*.log" ;;
  esac
}

timeout_of() {
  case "$1" in
    rabbitmq) echo 60 ;;
    *) echo 30 ;;
  esac
}

installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

start() {
  local svc=$1 v i
  if have_systemd; then
    as_root systemctl start "$(package_of "$svc")"
    return
  fi
  case "$svc" in
    postgres)
      v=$(pg_version)
      if [ -z "$v" ]; then
        echo "dev-services: postgresql is installed but no cluster exists under /etc/postgresql/*/main" >&2
        echo "dev-services: create one with: pg_createcluster <version> main" >&2
        exit 1
      fi
      as_root pg_ctlcluster --skip-systemctl-redirect "$v" main start ;;
    redis)
      as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 \
        --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log \
        >/dev/null ;;
    rabbitmq)
      # An Erlang VM may still be booting (e.g. started by a previous run) or
      # shutting down; a second node would fail to start, so let it settle
      # first (up to 10 s) and only start one if none is left.
      for ((i = 0; i < 20; i++)); do
        pgrep -u rabbitmq -x beam.smp >/dev/null || break
        tcp_open 5672 && return 0
        sleep 0.5
      done
      pgrep -u rabbitmq -x beam.smp >/dev/null && return 0
      as_root rabbitmq-server -detached ;;
  esac
}

# Poll every 0.5 s for up to the service's time limit; print how long it took.
wait_up() {
  local svc=$1 t0=$2 limit i
  limit=$(timeout_of "$svc")
  for ((i = 0; i <= limit * 2; i++)); do
    if is_up "$svc"; then
      echo "up after $((SECONDS - t0))s"
      return 0
    fi
    sleep 0.5
  done
  echo "FAILED"
  echo "dev-services: $svc did not come up on $(addr_of "$svc") within ${limit}s; see $(log_of "$svc")" >&2
  return 1
}

# The project's default URL is postgres://postgres:postgres@127.0.0.1:5432/capstone.
# With trust auth (our CI) any password works; with Debian's default
# scram-sha-256 auth the role needs the password "postgres".
ensure_pg_login() {
  command -v psql >/dev/null 2>&1 || return 0
  local err
  if err=$(PGPASSWORD=postgres psql -w -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' 2>&1 >/dev/null); then
    return 0
  fi
  case "$err" in
    *"password authentication failed"* | *"no password supplied"*)
      say fix postgres "set password 'postgres' for role postgres"
      as_root su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" ;;
    *)
      echo "dev-services: warning: cannot log in as postgres on 127.0.0.1:5432: $err" >&2 ;;
  esac
}

# ---- the replica (--replica) ------------------------------------------------

PRIMARY_PORT=5432
REPLICA_PORT=5433
REPLICA_URL="postgres://postgres:postgres@127.0.0.1:$REPLICA_PORT/capstone"

# PostgreSQL refuses to run as root: root hands the replica to the postgres
# user, in whose cache it then lives. Anyone else runs it as themselves.
as_replica_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

replica_dir() {
  if [ "$(id -u)" -eq 0 ]; then
    printf '%s/.cache/capstone/pg-replica' "$(getent passwd postgres | cut -d: -f6)"
  else
    printf '%s/capstone/pg-replica' "${XDG_CACHE_HOME:-$HOME/.cache}"
  fi
}

# The server programs of the version pg_version finds (Debian keeps pg_ctl
# off PATH, in /usr/lib/postgresql/<version>/bin), else whatever PATH has.
pg_bindir() {
  local v
  v=$(pg_version)
  if [ -n "$v" ] && [ -x "/usr/lib/postgresql/$v/bin/pg_ctl" ]; then
    echo "/usr/lib/postgresql/$v/bin"
  elif command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
  else
    return 1
  fi
}

# One value from the primary (PRIMARY_PORT) or the replica (REPLICA_PORT),
# as the role postgres with the project's password, which trust ignores and
# scram-sha-256 needs (ensure_pg_login).
sql_at() {
  PGPASSWORD=postgres psql -X -w -q -h 127.0.0.1 -p "$1" -U postgres -d postgres -tAc "$2"
}

replica_running() { as_replica_user "$BIN/pg_ctl" -D "$RDIR" status >/dev/null 2>&1; }

# Streaming from the primary, as its WAL receiver says, within 10 s.
replica_streaming() {
  local i
  for ((i = 0; i < 20; i++)); do
    [ "$(sql_at "$REPLICA_PORT" "select status from pg_stat_wal_receiver" 2>/dev/null)" = streaming ] &&
      return 0
    sleep 0.5
  done
  return 1
}

# Debian keeps postgresql.conf and pg_hba.conf in /etc/postgresql, outside
# the data directory, so pg_basebackup does not copy them: give the replica
# the primary's access rules (pg_hba_file_rules, as the primary reads them)
# and the settings a standby must not have below its primary's.
replica_config() {
  local dir=$1 setting
  if [ ! -f "$dir/pg_hba.conf" ]; then
    {
      echo "# The rules of 127.0.0.1:$PRIMARY_PORT, copied by scripts/dev-services.sh --replica."
      sql_at "$PRIMARY_PORT" "select concat_ws(' ', type, array_to_string(database, ','),
        array_to_string(user_name, ','), address, netmask, auth_method, array_to_string(options, ' '))
        from pg_hba_file_rules where error is null order by line_number"
    } | as_replica_user tee "$dir/pg_hba.conf" >/dev/null
    as_replica_user touch "$dir/pg_ident.conf"
  fi
  if [ ! -f "$dir/postgresql.conf" ]; then
    {
      echo "# scripts/dev-services.sh --replica: a hot standby of 127.0.0.1:$PRIMARY_PORT."
      echo "# Port and socket directory come from pg_ctl -o; the rest are defaults,"
      echo "# but for what a standby must have at least as high as its primary."
      echo "hot_standby = on"
      echo "listen_addresses = '127.0.0.1'"
      for setting in max_connections max_prepared_transactions max_locks_per_transaction \
        max_wal_senders max_worker_processes; do
        echo "$setting = $(sql_at "$PRIMARY_PORT" "show $setting")"
      done
    } | as_replica_user tee "$dir/postgresql.conf" >/dev/null
  fi
}

# Clone the primary into RDIR: beside it first, renamed only once complete,
# so that a clone cut short never passes for a replica.
make_replica() {
  local partial="$RDIR.partial" err hba
  if [ "$(sql_at "$PRIMARY_PORT" "show wal_level")" = minimal ] ||
    [ "$(sql_at "$PRIMARY_PORT" "show max_wal_senders")" = 0 ]; then
    echo "FAILED"
    echo "dev-services: the PostgreSQL on 127.0.0.1:$PRIMARY_PORT cannot feed a replica (wal_level minimal or max_wal_senders 0)" >&2
    return 1
  fi
  as_replica_user mkdir -p "$(dirname "$RDIR")"
  as_replica_user rm -rf "$partial"
  if ! err=$(PGPASSWORD=postgres as_replica_user "$BIN/pg_basebackup" \
    -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -w -D "$partial" -R -X stream --checkpoint=fast 2>&1); then
    echo "FAILED"
    echo "dev-services: pg_basebackup from 127.0.0.1:$PRIMARY_PORT failed: $err" >&2
    as_replica_user rm -rf "$partial"
    if [[ "$err" == *"no pg_hba.conf entry for replication connection"* ]]; then
      hba=$(sql_at "$PRIMARY_PORT" "show hba_file" 2>/dev/null || echo "its pg_hba.conf")
      echo "dev-services: that server admits no replication connection from 127.0.0.1, and this" >&2
      echo "dev-services: script does not change its configuration. To allow one, add to $hba" >&2
      echo "dev-services:   host replication postgres 127.0.0.1/32 <the method of its host line for 127.0.0.1>" >&2
      echo "dev-services: reload it (Debian: pg_ctlcluster $(pg_version) main reload), and run this again." >&2
    fi
    return 1
  fi
  replica_config "$partial"
  as_replica_user mv "$partial" "$RDIR"
}

# --check --replica: one status line, and whether the replica is fine.
check_replica() {
  if ! RDIR=$(replica_dir) || ! BIN=$(pg_bindir); then
    say missing replica "no PostgreSQL server programs (pg_ctl) found"
    return 1
  fi
  if [ ! -s "$RDIR/PG_VERSION" ]; then
    say missing replica "127.0.0.1:$REPLICA_PORT: not made yet ($RDIR); run with --replica"
    return 1
  elif ! replica_running; then
    say down replica "127.0.0.1:$REPLICA_PORT ($RDIR)"
    return 1
  elif ! replica_streaming; then
    say stale replica "127.0.0.1:$REPLICA_PORT runs but does not stream from :$PRIMARY_PORT; see $RDIR/log"
    return 1
  fi
  say ok replica "127.0.0.1:$REPLICA_PORT (streaming from :$PRIMARY_PORT)"
}

# --replica: make it if need be, start it if stopped; "ok" if it already runs.
ensure_replica() {
  local ours theirs t0
  if ! RDIR=$(replica_dir) || ! BIN=$(pg_bindir); then
    echo "dev-services: no PostgreSQL server programs (pg_ctl) found for the replica" >&2
    return 1
  fi
  if ! is_up postgres; then
    say down replica "its primary, 127.0.0.1:$PRIMARY_PORT, is down"
    return 1
  fi
  # A copy of another cluster (the primary was made again) can never follow
  # it: clone the new one instead.
  if [ -s "$RDIR/PG_VERSION" ]; then
    ours=$(as_replica_user "$BIN/pg_controldata" -D "$RDIR" | sed -n 's/^Database system identifier: *//p')
    theirs=$(sql_at "$PRIMARY_PORT" "select system_identifier from pg_control_system()")
    if [ "$ours" != "$theirs" ]; then
      say fix replica "the primary is another cluster now: cloning it again"
      if replica_running; then as_replica_user "$BIN/pg_ctl" -D "$RDIR" -m fast stop >/dev/null; fi
      as_replica_user rm -rf "$RDIR"
    fi
  fi
  if [ -s "$RDIR/PG_VERSION" ] && replica_running; then
    say ok replica "127.0.0.1:$REPLICA_PORT"
  else
    if pg_isready -q -h 127.0.0.1 -p "$REPLICA_PORT" 2>/dev/null; then
      echo "dev-services: 127.0.0.1:$REPLICA_PORT is taken by another server; the replica needs it" >&2
      return 1
    fi
    printf '%-7s %-9s %s ... ' start replica "127.0.0.1:$REPLICA_PORT"
    t0=$SECONDS
    if [ ! -s "$RDIR/PG_VERSION" ]; then
      make_replica || return 1
    fi
    if ! as_replica_user "$BIN/pg_ctl" -D "$RDIR" -o "-p $REPLICA_PORT -k /tmp" -l "$RDIR/log" -w start >/dev/null; then
      echo "FAILED"
      echo "dev-services: the replica did not start; see $RDIR/log" >&2
      return 1
    fi
    echo "up after $((SECONDS - t0))s"
  fi
  if ! replica_streaming; then
    echo "dev-services: the replica runs but does not stream from :$PRIMARY_PORT; see $RDIR/log" >&2
    echo "dev-services: to make it again: pg_ctl -D $RDIR stop && rm -rf $RDIR, then run this again" >&2
    return 1
  fi
  say use replica "CAPSTONE_USERS__READ_REPLICAS__URLS='[\"$REPLICA_URL\"]'"
}

# ---- main -------------------------------------------------------------------

SERVICES=(postgres redis rabbitmq)
down=()
for svc in "${SERVICES[@]}"; do
  is_up "$svc" || down+=("$svc")
done
is_down() { [[ " ${down[*]-} " == *" $1 "* ]]; }

if [ "$CHECK_ONLY" -eq 1 ]; then
  for svc in "${SERVICES[@]}"; do
    if ! is_down "$svc"; then
      say ok "$svc" "$(addr_of "$svc")"
    elif installed "$(package_of "$svc")"; then
      say down "$svc" "$(addr_of "$svc")"
    else
      say missing "$svc" "package $(package_of "$svc") is not installed"
    fi
  done
  status=0
  [ "${#down[@]}" -eq 0 ] || status=1
  if [ "$REPLICA" -eq 1 ]; then
    check_replica || status=1
  fi
  exit "$status"
fi

# Something has to be installed or started: that needs root (or sudo).
if [ "${#down[@]}" -gt 0 ] && [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  for svc in "${SERVICES[@]}"; do
    if is_down "$svc"; then say down "$svc" "$(addr_of "$svc")"; else say ok "$svc" "$(addr_of "$svc")"; fi
  done
  echo "dev-services: root is needed to install/start ${down[*]} and sudo is not available;" >&2
  echo "dev-services: run as root: su -c 'bash $0'" >&2
  exit 1
fi

# Install whatever is missing, with a single apt-get update/install.
missing=()
for svc in ${down[@]+"${down[@]}"}; do
  pkg=$(package_of "$svc")
  if ! installed "$pkg"; then
    say install "$svc" "$pkg"
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Start what is down (a package's install script may already have started it).
failed=0
for svc in "${SERVICES[@]}"; do
  if ! is_down "$svc" || is_up "$svc"; then
    say ok "$svc" "$(addr_of "$svc")"
    continue
  fi
  printf '%-7s %-9s %s ... ' start "$svc" "$(addr_of "$svc")"
  t0=$SECONDS
  if ! start "$svc" >&2; then
    echo "dev-services: starting $svc returned an error; see $(log_of "$svc")" >&2
  fi
  wait_up "$svc" "$t0" || failed=1
done

if is_up postgres; then
  ensure_pg_login
fi

if [ "$REPLICA" -eq 1 ]; then
  ensure_replica || failed=1
fi

exit "$failed"
