# syntax=docker/dockerfile:1
FROM alpine:3.19

RUN <<EOF
set -eux
apk add --no-cache curl=8.5.0-r0
adduser -D -u 10001 app
EOF

COPY <<-"CONF" /etc/app/app.conf
	listen = 0.0.0.0:8080
	log_level = info
	CONF

RUN <<one cat >/tmp/a && <<two cat >/tmp/b
first file
one
second file
two

USER app
CMD ["sh", "-c", "cat /tmp/a /tmp/b"]
