# order-gateway: the GraphQL gateway (and, with `sandbox --host 0.0.0.0`, its vendor emulators).
#
#   docker build -t order-gateway .
#   docker run -p 8000:8000 -e GATEWAY_HOST=0.0.0.0 order-gateway serve
#
# Two stages: the first installs the project into a virtual environment (pip, wheels, any
# compiler a source distribution might need stay there); the second copies only that
# environment onto a clean slim Python and runs it as an unprivileged user.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python3 -m venv /opt/order-gateway
WORKDIR /src
COPY pyproject.toml README.md ./
COPY adapters ./adapters
COPY gateway ./gateway
COPY sandbox ./sandbox
RUN /opt/order-gateway/bin/pip install --no-compile . \
    && /opt/order-gateway/bin/python -m compileall -q /opt/order-gateway/lib \
    && /opt/order-gateway/bin/pip uninstall --yes pip setuptools

FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 gateway \
    && useradd --system --uid 10001 --gid gateway --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin gateway
COPY --from=build /opt/order-gateway /opt/order-gateway
ENV PATH=/opt/order-gateway/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GATEWAY_HOST=0.0.0.0 \
    GATEWAY_PORT=8000 \
    GATEWAY_LOG_FORMAT=json
USER 10001:10001
WORKDIR /tmp
EXPOSE 8000
# The image has no curl: the check is Python's own HTTP client, against the liveness route.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python3", "-c", "import os, sys, urllib.request; port = os.environ.get('GATEWAY_PORT', '8000'); sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=2).status == 200 else 1)"]
ENTRYPOINT ["order-gateway"]
CMD ["serve"]
