# syntax=docker/dockerfile:1
#
# One image, four programs: /usr/local/bin/{gateway,users,worker,capstone}.
# Compose and Kubernetes pick the program with `command:`; the code, the
# dependencies and the base are the same for all of them, so one build, one
# scan and one tag cover the whole system (docs/src/containers.md walks
# through this file line by line).
#
#   docker build -t capstone:dev .
#
# Stages: chef (toolchain + cargo-chef) -> planner (the dependency recipe)
# -> builder (dependencies, then our code) -> runtime (Debian slim, no
# compiler, no shell tools beyond Debian's base, non-root).

# Base images are pinned by digest: a tag can be moved to other content by
# whoever controls it upstream, a digest cannot. The tag stays beside it for
# people, and for Dependabot (docker ecosystem, .github/dependabot.yml),
# which bumps tag and digest together. Both stay literal on the FROM lines,
# not in ARGs: Dependabot does not expand ARGs in FROM. The Rust toolchain
# is the workspace's rust-version (Cargo.toml), and both images are the same
# Debian release (bookworm), so the binaries link against the glibc they
# run with. scripts/compose-smoke.sh swaps both for local stand-ins with
# `--build-context`, keyed by these exact references.

# ANCHOR: chef
FROM rust:1.95.0-slim-bookworm@sha256:d7482085ff5b415f84dba5647ae71606650bdef00db7aeb69f4b3d170c3e4082 AS chef
ARG CARGO_CHEF_VERSION=0.1.78
RUN cargo install cargo-chef --locked --version "${CARGO_CHEF_VERSION}"
WORKDIR /src
# ANCHOR_END: chef

# ANCHOR: planner
# The recipe lists the dependency graph (manifests and lockfile) only, so
# the next stage's expensive layer is rebuilt when dependencies change, not
# when our code does.
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json
# ANCHOR_END: planner

# ANCHOR: builder
FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
# Every dependency, compiled once and cached as a layer.
RUN cargo chef cook --release --locked --workspace --bins --recipe-path recipe.json
COPY . .
# --locked: exactly the versions in Cargo.lock, or fail. --workspace --bins:
# the four programs (capstone, gateway, users, worker), as in the cook above
# so the dependencies compile with the same features and are reused.
RUN cargo build --release --locked --workspace --bins
# ANCHOR_END: builder

# ANCHOR: runtime
FROM debian:bookworm-slim@sha256:3783cc01769c7b2b1b83a5c5ad96c815348e28ed7da68e2e3687004faa906251 AS runtime

LABEL org.opencontainers.image.title="capstone" \
      org.opencontainers.image.description="Capstone: its services and the capstone CLI" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="https://github.com/capstone-rs/capstone" \
      org.opencontainers.image.documentation="https://github.com/capstone-rs/capstone/tree/main/docs"

# CA certificates for TLS to managed endpoints and the OTLP collector.
# Unpinned on purpose: a rebuild should pick up Debian's security updates
# to this package, and bookworm's version stream only carries those.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install --yes --no-install-recommends ca-certificates \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*

# A fixed, unprivileged uid/gid: Kubernetes' runAsUser (10001) and file
# ownership on volumes agree with it without a lookup.
RUN groupadd --system --gid 10001 capstone \
    && useradd --system --uid 10001 --gid capstone --home-dir /var/lib/capstone \
        --create-home --shell /usr/sbin/nologin capstone

COPY --from=builder /src/target/release/capstone /src/target/release/users /usr/local/bin/
# fork:begin(gateway)
COPY --from=builder /src/target/release/gateway /usr/local/bin/
# fork:end(gateway)
# fork:begin(worker)
COPY --from=builder /src/target/release/worker /usr/local/bin/
# fork:end(worker)

# The worker's file sink writes here when no SMTP server is configured; the
# only writable place a read-only root filesystem needs.
WORKDIR /var/lib/capstone
USER 10001:10001

# JSON log lines: the image always runs under a log collector.
ENV CAPSTONE_TELEMETRY__LOG_FORMAT=json

# Each program listens on its own port (gateway 8080, users 8081, worker
# 8082); set CAPSTONE_HEALTHCHECK_URL to the one the container runs.
# `capstone healthcheck` is a tiny HTTP client: the image has no curl.
EXPOSE 8080 8081 8082
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/capstone", "healthcheck"]

CMD ["/usr/local/bin/capstone", "--help"]
# ANCHOR_END: runtime
