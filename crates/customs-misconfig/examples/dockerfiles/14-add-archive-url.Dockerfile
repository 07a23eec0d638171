FROM alpine:3.19
ADD https://example.com/releases/tool-1.2.3.tar.gz /tmp/
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/file /file
ADD rootfs.tar.xz /
ADD ["local dir", "/opt/local dir"]
