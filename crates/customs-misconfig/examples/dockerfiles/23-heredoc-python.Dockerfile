FROM python:3.12-slim
RUN <<EOT python3
import sys
print("hello from", sys.version)
EOT
RUN <<-EOT bash
	set -e
	cd /opt
	echo done
	EOT
USER 1000
HEALTHCHECK CMD ["python3", "-c", "print(1)"]
