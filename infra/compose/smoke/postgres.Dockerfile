# Stand-in for the official postgres image (compose smoke test only):
# Debian's PostgreSQL 15, first-start initialisation from POSTGRES_USER,
# POSTGRES_PASSWORD and POSTGRES_DB like the official entrypoint, data in
# /var/lib/postgresql/data, and pg_isready on PATH for the healthcheck.
FROM debian:bookworm-slim
# checkov:skip=CKV_DOCKER_2: the healthcheck is the one compose.yaml declares for the image this stands in for
# checkov:skip=CKV_DOCKER_3: starts as root like the official image, whose entrypoint (as this one) drops to the postgres user
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install --yes --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/*
COPY postgres-entrypoint.sh /usr/local/bin/entrypoint
ENV PGDATA=/var/lib/postgresql/data PATH=/usr/lib/postgresql/15/bin:$PATH
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/entrypoint"]
