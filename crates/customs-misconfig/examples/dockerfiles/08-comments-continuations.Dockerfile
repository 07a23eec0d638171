# A Dockerfile with comments in odd places
FROM fedora:40

# install tools
RUN dnf install -y \
# the compiler
      gcc \

# and make (an empty line above is allowed, if deprecated)
      make \
    && dnf clean all

    # an indented comment
	RUN echo "indented with a tab"
LABEL org.opencontainers.image.title="tools" \
      org.opencontainers.image.description="compilers and make"
USER 1000:1000
HEALTHCHECK NONE
