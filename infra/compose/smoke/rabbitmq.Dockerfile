# Stand-in for the official rabbitmq:*-management image (compose smoke test
# only): Debian's RabbitMQ 3.10 with the management plugin, the default user
# from RABBITMQ_DEFAULT_USER / RABBITMQ_DEFAULT_PASS, reachable from other
# containers, and rabbitmq-diagnostics for the healthcheck.
FROM debian:bookworm-slim
# checkov:skip=CKV_DOCKER_2: the healthcheck is the one compose.yaml declares for the image this stands in for
# The official image's uid, created before the package would pick one.
# hadolint ignore=DL3008
RUN groupadd --system --gid 999 rabbitmq \
    && useradd --system --uid 999 --gid rabbitmq --home-dir /var/lib/rabbitmq rabbitmq \
    && apt-get update \
    && apt-get install --yes --no-install-recommends rabbitmq-server \
    && rm -rf /var/lib/apt/lists/* \
    && rabbitmq-plugins enable --offline rabbitmq_management
COPY rabbitmq-entrypoint.sh /usr/local/bin/entrypoint
# The server and the healthcheck's CLI must share the Erlang cookie in the
# rabbitmq user's home: run both as that user, as the official image does.
USER 999
ENV HOME=/var/lib/rabbitmq
EXPOSE 5672 15672
ENTRYPOINT ["/usr/local/bin/entrypoint"]
