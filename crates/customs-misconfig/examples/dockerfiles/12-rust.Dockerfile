# syntax=docker/dockerfile:1.6
FROM rust:1.77-slim-bookworm AS builder
WORKDIR /build
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/build/target \
    cargo build --release --locked && cp target/release/app /app

FROM debian:bookworm-slim
RUN apt-get update && \
    apt-get install -y --no-install-recommends libssl3=3.0.13-1~deb12u1 && \
    rm -rf /var/lib/apt/lists/*
COPY --from=builder /app /usr/local/bin/app
RUN groupadd -r app && useradd -r -g app app
USER app
HEALTHCHECK --interval=10s --timeout=3s CMD ["app", "--health"]
CMD ["app"]
