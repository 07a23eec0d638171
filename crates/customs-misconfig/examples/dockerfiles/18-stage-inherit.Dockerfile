FROM alpine:3.19 AS base
RUN adduser -D app
USER app
HEALTHCHECK CMD true

FROM base AS final
COPY --chown=app:app bin/ /usr/local/bin/
