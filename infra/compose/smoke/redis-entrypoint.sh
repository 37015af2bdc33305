#!/bin/sh
# Like the official image: `redis-server ARGS` runs with every interface
# bound and protected mode off (the container network is the boundary).
set -eu
if [ "${1:-}" = redis-server ]; then
    shift
    exec redis-server --bind 0.0.0.0 --protected-mode no "$@"
fi
exec "$@"
