FROM debian:12.5-slim@sha256:0e4b5c3c6b7f6b3f2a7fd3c1c51bd0f6b1e5b21a0a7e7c1e3b9fd1e1a9d4c7e2
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates=20230311 \
 && rm -rf /var/lib/apt/lists/*
COPY --chown=10001:10001 app /usr/local/bin/app
USER 10001
HEALTHCHECK --interval=30s CMD ["/usr/local/bin/app", "health"]
ENTRYPOINT ["/usr/local/bin/app"]
