# syntax=docker/dockerfile:1
#
# One image per OrderFlow binary, all from this file:
#
#   docker build --build-arg SERVICE=order-service --build-arg PORT=8082 -t orderflow/order-service .
#
# Stages: chef (toolchain + cargo-chef) → planner (recipe of the dependency graph) →
# builder (cooks the dependencies, a layer that survives source edits, then builds) →
# runtime (distroless, non-root, no shell).
#
# The builder compiles every package in PACKAGES, not only SERVICE: the build steps then do not
# depend on SERVICE, so `docker compose build` (one build per service) shares a single cook
# and a single compile, and features resolve the same way in every image. Narrow PACKAGES to
# SERVICE for a one-off image.

ARG RUST_VERSION=1.95.0
ARG DEBIAN_RELEASE=bookworm

FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS chef
ARG CARGO_CHEF_VERSION=0.1.78
# rdkafka builds the bundled librdkafka with its configure script and make; sqlx, reqwest and
# kube use rustls with ring (C only), so no OpenSSL and no cmake. The versions are those of the
# Debian release the image tag pins.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc g++ make \
 && rm -rf /var/lib/apt/lists/*
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    cargo install cargo-chef --locked --version "${CARGO_CHEF_VERSION}"
# Compile zlib into the binary (libz-sys) instead of linking the system's libz.so.1, which the
# distroless runtime does not promise; strip symbols from release binaries. Set here so that the
# cook and the build compile dependencies identically.
ENV LIBZ_SYS_STATIC=1 \
    CARGO_PROFILE_RELEASE_STRIP=symbols
WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
ARG PACKAGES="customer-service order-service payment-service inventory-service notification-service gateway-service"
COPY --from=planner /app/recipe.json recipe.json
# The registry is a cache mount; target/ is not, so the cooked dependencies are part of this
# layer and travel with exported build caches (CI), which a cache mount would not.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    set -eu; \
    set -- --package orderflow-runtime; \
    for package in ${PACKAGES}; do set -- "$@" --package "${package}"; done; \
    cargo chef cook --release --locked --recipe-path recipe.json "$@"
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    set -eu; \
    set -- --package orderflow-runtime; \
    for package in ${PACKAGES}; do set -- "$@" --package "${package}"; done; \
    cargo build --release --locked "$@"

FROM builder AS binary
ARG SERVICE
RUN set -eu; \
    test -n "${SERVICE:-}" || { echo "build with --build-arg SERVICE=<binary package>" >&2; exit 1; }; \
    test -x "target/release/${SERVICE}" || { echo "no binary ${SERVICE}: add its package to PACKAGES" >&2; exit 1; }; \
    mkdir -p /out; \
    cp "target/release/${SERVICE}" /out/orderflow; \
    cp target/release/orderflow-probe /out/orderflow-probe

# The binaries need glibc, libm and libgcc_s (unwinding): distroless "cc", not "static" or "base".
FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
ARG SERVICE
ARG PORT=8080
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="${SERVICE}" \
      org.opencontainers.image.description="OrderFlow ${SERVICE}" \
      org.opencontainers.image.vendor="OrderFlow" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="gcr.io/distroless/cc-debian12:nonroot"
COPY --from=binary /out/orderflow /usr/local/bin/orderflow
COPY --from=binary /out/orderflow-probe /usr/local/bin/orderflow-probe
# Numeric, so Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
ENV HTTP_ADDR=0.0.0.0:${PORT}
EXPOSE ${PORT}
# Ready, not merely alive: the probe asks /health/ready on HTTP_ADDR's port.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/usr/local/bin/orderflow-probe"]
ENTRYPOINT ["/usr/local/bin/orderflow"]
