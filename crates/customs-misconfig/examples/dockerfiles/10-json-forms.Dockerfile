FROM busybox:1.36
RUN ["/bin/sh", "-c", "echo json form run"]
VOLUME ["/data", "/logs"]
ENTRYPOINT ["/bin/sh"]
CMD ["-c", "sleep infinity"]
SHELL ["/bin/ash", "-eo", "pipefail", "-c"]
RUN [ "echo", "spaced json" ]
RUN [not json
