ARG REGISTRY=docker.io
ARG BASE=library/nginx
ARG TAG=1.25.4
FROM ${REGISTRY}/${BASE}:${TAG} AS web
ARG TAG
ENV APP_HOME=/srv/www \
    APP_USER=nginx
WORKDIR ${APP_HOME}
COPY --chown=${APP_USER}:${APP_USER} site/ ./
USER ${APP_USER}
HEALTHCHECK CMD wget -qO- http://localhost/ || exit 1
