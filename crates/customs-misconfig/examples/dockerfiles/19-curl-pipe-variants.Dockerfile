FROM debian:12
RUN wget -qO- https://example.com/setup | sh -s -- --yes
RUN curl -sSL https://example.com/get.py | python3 -
RUN curl -fsSLo /tmp/install.sh https://example.com/install.sh && sha256sum -c /tmp/sums && sh /tmp/install.sh
USER 1000
