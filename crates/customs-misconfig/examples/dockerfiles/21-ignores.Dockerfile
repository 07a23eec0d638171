# customs:ignore=df-latest-base-image,df-base-image-without-digest
FROM ubuntu:latest
# customs:ignore=df-curl-pipe-shell
RUN curl -fsSL https://example.com/install.sh | bash
RUN curl -fsSL https://example.com/other.sh | bash
USER 1000
HEALTHCHECK CMD true
