ARG NPM_TOKEN
FROM node:20.11-bookworm-slim
ENV API_KEY abcdef123456
ENV NODE_ENV production
ENV PASSWORD_FILE=/run/secrets/pw
RUN --mount=type=secret,id=npm,target=/root/.npmrc npm ci
USER node
