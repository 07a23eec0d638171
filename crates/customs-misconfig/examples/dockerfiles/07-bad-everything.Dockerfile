FROM ubuntu
ENV DB_PASSWORD=supersecret
ARG GITHUB_TOKEN
RUN apt-get update && apt-get install -y curl git
RUN cd /opt && git clone https://example.com/repo.git
RUN curl -fsSL https://example.com/install.sh | bash
ADD config.json /etc/app/config.json
COPY app /app
RUN chown -R www-data:www-data /app
USER root
CMD ["/app/run"]
