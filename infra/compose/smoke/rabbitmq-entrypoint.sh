#!/bin/sh
# The official image turns RABBITMQ_DEFAULT_USER/PASS into the first
# user and lets it connect from other hosts; so does this.
set -eu
conf=/var/lib/rabbitmq/rabbitmq.conf
{
    echo "default_user = ${RABBITMQ_DEFAULT_USER:-guest}"
    echo "default_pass = ${RABBITMQ_DEFAULT_PASS:-guest}"
    echo "loopback_users = none"
    echo "listeners.tcp.default = 5672"
} >"$conf"
export RABBITMQ_CONFIG_FILE=/var/lib/rabbitmq/rabbitmq
exec rabbitmq-server
