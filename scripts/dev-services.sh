#!/usr/bin/env bash
# dev-services.sh: make sure PostgreSQL, Redis and RabbitMQ are running on
# localhost (Debian/Ubuntu), installing the Debian packages if they are missing.
#
# Why: Capstone's tests and local runs expect
#   postgres://postgres:postgres@127.0.0.1:5432   redis://127.0.0.1:6379
#   amqp://guest:guest@127.0.0.1:5672
# The README's Quick start and .ci/run call this script before the tests.
# It is idempotent: when everything is already up it only prints "ok" lines
# and returns in well under a second. It does not need systemd (CI containers
# have none); it starts the daemons directly.
#
# macOS: use Homebrew instead (brew install postgresql redis rabbitmq &&
#        brew services start ...). Containers: docker compose up -d postgres redis rabbitmq
#
# Usage: bash scripts/dev-services.sh [--check | --help]
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bash scripts/dev-services.sh [--check | --help]

Ensure PostgreSQL (127.0.0.1:5432), Redis (127.0.0.1:6379) and RabbitMQ
(127.0.0.1:5672) are running, installing missing Debian packages with apt-get.

  --check   only report status; install/start nothing; exit 1 if any is down
  --help    show this help
EOF
}

CHECK_ONLY=0
case "${1:-}" in
  "") ;;
  --check) CHECK_ONLY=1 ;;
  -h | --help) usage; exit 0 ;;
  *) echo "dev-services: unknown argument: $1" >&2; usage >&2; exit 2 ;;
esac

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
  if [ "${#down[@]}" -eq 0 ]; then exit 0; else exit 1; fi
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

exit "$failed"
