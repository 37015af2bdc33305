#!/usr/bin/env bash
# compose-smoke.sh: prove `docker compose up` works, with podman, on a
# machine that has no Docker engine and reaches no image registry.
#
#   1. podman, runc, debootstrap (Debian packages) and podman-compose (PyPI,
#      pinned, in a cached venv), installed once if missing;
#   2. stand-ins for the Dockerfile's two base images, made once per machine
#      from Debian packages (scripts/smoke/base-images.sh);
#   3. the real image, from the real Dockerfile, its two digest-pinned bases
#      swapped for the stand-ins with --build-context (podman's layer cache
#      keeps the dependency layer between runs while Cargo.lock is unchanged);
#   4. compose.yaml's default stack (the app, Postgres, Redis, RabbitMQ,
#      Mailpit), unchanged but for infra/compose/smoke/compose.smoke.yaml,
#      which swaps the four third-party images for Debian-built stand-ins;
#      services start in compose's dependency order, each waiting on the
#      conditions compose.yaml declares, checked with its own healthcheck;
#   5. a real flow through the gateway (scripts/smoke/flow.sh): register,
#      read the verification email the worker sent, verify, log in, /me,
#      /metrics; then the book's tour (scripts/tour.sh) against the same
#      gateway; then: containers run as non-root, no compiler in the image,
#      memory in use, image sizes.
#
# It always tears down what it started (containers, network, volumes), and
# bounds every wait. .ci/run calls it after the test suites.
#
# Usage: bash scripts/compose-smoke.sh [--no-build]
#   --no-build   reuse the images already built (for iterating on compose)
set -euo pipefail
cd "$(dirname "$0")/.."

SMOKE_DIR=infra/compose/smoke
PODMAN_COMPOSE_VERSION=1.6.0
PROJECT=capstone-smoke
IMAGE=localhost/capstone:dev
# Host ports for the smoke stack: clear of the machine's own Postgres,
# Redis and RabbitMQ (compose.yaml reads these variables; .env.example).
export GATEWAY_PORT=38080 USERS_PORT=38081 WORKER_PORT=38082 \
  POSTGRES_PORT=35432 REDIS_PORT=36379 RABBITMQ_PORT=35672 \
  RABBITMQ_UI_PORT=35673 MAILPIT_UI_PORT=38025
# No trace export and no profile: the lite stack.
export OTEL_EXPORTER_OTLP_ENDPOINT="" COMPOSE_PROFILES=""
# The project's own podman settings; /etc/containers stays as it is.
export CONTAINERS_CONF="$PWD/$SMOKE_DIR/containers.conf"
TOOLS_DIR="${CAPSTONE_TOOLS:-$HOME/.cache/capstone/tools}"

say() { printf 'compose-smoke: %s\n' "$*"; }
die() { say "FAILED: $*" >&2; exit 1; }

started_at=$SECONDS
source scripts/smoke/base-images.sh

ensure_tools() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  if ((${#missing[@]})); then
    say "installing ${missing[*]} (Debian packages)"
    DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install --yes --quiet \
      "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]}"
  fi
  local venv="$TOOLS_DIR/compose-venv"
  if ! "$venv/bin/podman-compose" --version 2>/dev/null |
    grep -q "podman-compose version $PODMAN_COMPOSE_VERSION"; then
    say "installing podman-compose $PODMAN_COMPOSE_VERSION"
    rm -rf "$venv"
    python3 -m venv "$venv"
    timeout 600 "$venv/bin/pip" install --quiet "podman-compose==$PODMAN_COMPOSE_VERSION" ||
      die "pip install podman-compose"
  fi
  PYTHON="$venv/bin/python"
  COMPOSE=("$venv/bin/podman-compose" --project-name "$PROJECT"
    -f compose.yaml -f "$SMOKE_DIR/compose.smoke.yaml")
}

build_images() {
  local begin=$SECONDS
  if [[ ${1:-} == --no-build ]]; then
    podman image exists "$IMAGE" || die "--no-build, but there is no $IMAGE"
    say "reusing $IMAGE (--no-build)"
  else
    build_capstone_image
  fi
  build_stand_ins
}

build_capstone_image() {
  local begin=$SECONDS
  local contexts
  say "building $IMAGE from ./Dockerfile"
  # The Dockerfile's digest-pinned bases, each swapped for its stand-in
  # (scripts/smoke/base-images.sh); the Dockerfile itself is built as is.
  mapfile -t contexts < <(base_image_contexts Dockerfile)
  ((${#contexts[@]} == 2)) || die "expected 2 pinned base images in ./Dockerfile, found ${#contexts[@]}"
  # --format docker: OCI images drop HEALTHCHECK. The build log is kept
  # only when it fails.
  timeout 3600 podman build --format docker --layers "${contexts[@]}" -t "$IMAGE" . \
    >"$WORK/build.log" 2>&1 || { tail -n 40 "$WORK/build.log"; die "podman build"; }
  say "built $IMAGE in $((SECONDS - begin)) s"
  prune_if_disk_is_short
}

# Every build that changes a layer leaves the previous one behind, untagged;
# they are also the layer cache, so they stay until the disk runs short.
prune_if_disk_is_short() {
  local free_kib
  free_kib=$(df --output=avail -k "$(podman info --format '{{.Store.GraphRoot}}')" | tail -n 1)
  if ((free_kib < 20 * 1024 * 1024)); then
    say "less than 20 GiB free: removing untagged images (the cache goes too)"
    podman image prune --force >/dev/null
  fi
}

# The third-party stand-ins (compose.smoke.yaml): a few seconds each once
# cached.
build_stand_ins() {
  for service in postgres redis rabbitmq mailpit; do
    timeout 900 podman build --format docker --layers \
      -t "localhost/capstone-smoke/$service:bookworm" \
      -f "$SMOKE_DIR/$service.Dockerfile" "$SMOKE_DIR" >"$WORK/build-$service.log" 2>&1 ||
      { tail -n 20 "$WORK/build-$service.log"; die "stand-in $service"; }
  done
}

container_of() {
  podman ps --all --quiet \
    --filter "label=com.docker.compose.project=$PROJECT" \
    --filter "label=com.docker.compose.service=$1" | head -n 1
}

# wait_for SERVICE CONDITION: what compose does for depends_on, bounded.
wait_for() {
  local service=$1 condition=$2 container deadline=$((SECONDS + 240))
  container=$(container_of "$service")
  [[ -n $container ]] || die "$service has no container"
  case $condition in
    service_started) ;;
    service_healthy)
      # podman runs healthchecks from systemd timers, and there is no
      # systemd here: run the service's own healthcheck until it passes.
      until podman healthcheck run "$container" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || { podman logs --tail 30 "$container"; die "$service never became healthy"; }
        sleep 2
      done ;;
    service_completed_successfully)
      local status
      status=$(timeout 240 podman wait "$container") || die "$service did not finish"
      [[ $status == 0 ]] || { podman logs --tail 30 "$container"; die "$service exited $status"; }
      ;;
    *) die "unknown depends_on condition $condition" ;;
  esac
}

start_stack() {
  local begin=$SECONDS line service waits
  "${COMPOSE[@]}" config >"$WORK/compose.yaml" 2>"$WORK/config.err" ||
    { cat "$WORK/config.err"; die "compose config"; }
  # The order arrives on fd 3: podman, inside the loop, reads stdin.
  while read -r line <&3; do
    read -r service waits <<<"$line"
    for wait in $waits; do
      wait_for "${wait%%:*}" "${wait#*:}"
    done
    say "starting $service"
    "${COMPOSE[@]}" up --detach --no-deps --no-build "$service" >>"$WORK/up.log" 2>&1 ||
      { grep -v "systemd\|syslog" "$WORK/up.log" | tail -n 20; die "up $service"; }
  done 3< <("$PYTHON" scripts/smoke/start_order.py <"$WORK/compose.yaml")
  wait_for gateway service_healthy
  wait_for worker service_healthy
  wait_for banner service_completed_successfully
  say "stack healthy in $((SECONDS - begin)) s; the banner said:"
  podman logs "$(container_of banner)" | sed 's/^/  | /'
}

check_containers() {
  local service uid
  for service in gateway users worker; do
    uid=$(podman exec "$(container_of "$service")" cat /proc/1/status | awk '/^Uid:/ {print $2}')
    [[ $uid == 10001 ]] || die "$service runs as uid $uid, not 10001"
  done
  say "gateway, users, worker run as uid 10001"
  if podman run --rm --entrypoint /bin/sh "$IMAGE" -c \
    'for tool in cc gcc rustc cargo ld; do command -v "$tool" && exit 1; done; exit 0'; then
    say "the runtime image has no compiler or linker"
  else
    die "the runtime image contains a compiler"
  fi
  say "memory in use now (podman stats):"
  # shellcheck disable=SC2046 # one argument per container id, on purpose
  podman stats --no-stream --format '  {{.Name}}  {{.MemUsage}}' \
    $(podman ps --quiet --filter "label=com.docker.compose.project=$PROJECT") || true
  say "image sizes (the stand-in bases are bigger than the official ones):"
  podman images --format '  {{.Repository}}:{{.Tag}}  {{.Size}}' |
    grep -E "capstone:dev|capstone-smoke|library/(debian|rust)"
}

teardown() {
  local status=$?
  if ((status != 0)) && [[ -n ${COMPOSE+set} ]]; then
    say "logs of every container, last 20 lines each:"
    for container in $(podman ps --all --quiet --filter "label=com.docker.compose.project=$PROJECT"); do
      printf '\n--- %s\n' "$(podman inspect --format '{{.Name}}' "$container")"
      podman logs --tail 20 "$container" 2>&1 || true
    done
  fi
  if [[ -n ${COMPOSE+set} ]]; then
    timeout 120 "${COMPOSE[@]}" down --volumes --timeout 5 >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
  say "$( ((status == 0)) && echo passed || echo failed) in $((SECONDS - started_at)) s"
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/compose-smoke.XXXXXX")
trap teardown EXIT
ensure_tools
ensure_base_images Dockerfile
build_images "${1:-}"
# Leftovers from an interrupted run would hold the ports.
timeout 120 "${COMPOSE[@]}" down --volumes --timeout 5 >/dev/null 2>&1 || true
start_stack
GATEWAY="http://127.0.0.1:$GATEWAY_PORT" MAILBOX_CONTAINER="$(container_of mailpit)" \
  bash scripts/smoke/flow.sh
# The banner sends users to the book's tour: it must work against this stack.
bash scripts/tour.sh "http://127.0.0.1:$GATEWAY_PORT" >"$WORK/tour.log" 2>&1 ||
  { tail -n 30 "$WORK/tour.log"; die "the tour (scripts/tour.sh) failed against the stack"; }
say "the tour (scripts/tour.sh) passes against the stack"
check_containers
