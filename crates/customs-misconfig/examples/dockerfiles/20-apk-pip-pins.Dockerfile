FROM python:3.12-alpine3.19
RUN apk add --no-cache --virtual .build-deps gcc musl-dev=1.2.4_git20230717-r4 \
    && pip install --no-cache-dir "requests>=2" numpy==1.26.4 -r /tmp/req.txt ./local-pkg \
    && python -m pip install uvicorn \
    && apk del .build-deps
USER nobody
