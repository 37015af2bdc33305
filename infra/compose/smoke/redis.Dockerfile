# Stand-in for the official redis image (compose smoke test only): Debian's
# redis-server 7.0 and redis-cli, run with the command compose.yaml gives.
FROM debian:bookworm-slim
# checkov:skip=CKV_DOCKER_2: the healthcheck is the one compose.yaml declares for the image this stands in for
# The official image's uid, created before the package would pick one.
# hadolint ignore=DL3008
RUN groupadd --system --gid 999 redis \
    && useradd --system --uid 999 --gid redis --home-dir /var/lib/redis redis \
    && apt-get update \
    && apt-get install --yes --no-install-recommends redis-server redis-tools \
    && rm -rf /var/lib/apt/lists/*
# Debian's default config binds to localhost only and is protected; the
# official image listens on every interface. compose.yaml's command keeps
# its own flags; these two make the Debian binary match the official one.
COPY redis-entrypoint.sh /usr/local/bin/entrypoint
USER 999
EXPOSE 6379
ENTRYPOINT ["/usr/local/bin/entrypoint"]
CMD ["redis-server"]
