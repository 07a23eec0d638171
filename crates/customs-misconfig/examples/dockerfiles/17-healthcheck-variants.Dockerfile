FROM nginx:1.25-alpine
HEALTHCHECK --interval=5m --timeout=3s \
  CMD curl -f http://localhost/ || exit 1
STOPSIGNAL SIGQUIT
EXPOSE 80/tcp 443
USER nginx
