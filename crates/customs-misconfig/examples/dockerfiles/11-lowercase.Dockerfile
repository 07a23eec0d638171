from alpine:3.19 as base
run apk add --no-cache tini
user 65534
entrypoint ["/sbin/tini", "--"]
