# syntax=docker/dockerfile:1
# The image of one concierge service: each service gets its own image from this file.
# Build with the repository root as context, naming the service and its health port:
#   docker build -f infra/docker/service.Dockerfile \
#     --build-arg SERVICE=router --build-arg HEALTH_PORT=9102 -t concierge-router .
# (gateway 9101, router 9102, ai 9103, handoff 9104, store 9105; docker-compose.yml does this.)
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ARG SERVICE
ARG UV_VERSION=0.13.9
RUN case "$SERVICE" in gateway|router|ai|handoff|store) ;; \
      *) echo "build with --build-arg SERVICE=gateway|router|ai|handoff|store" >&2; exit 1 ;; esac
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# The whole workspace is copied: uv needs every member's pyproject.toml to read the lock.
COPY pyproject.toml uv.lock ./
COPY libs libs
COPY services services
COPY infra infra
# Only this service and libs/common go into the environment.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package "concierge-${SERVICE}"

FROM ${PYTHON_IMAGE}
ARG SERVICE
ARG HEALTH_PORT
# /data/media: the shared media volume's mount point (docker-compose.yml); a new named
# volume takes this folder's owner, so the services can write received files there.
RUN useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin concierge \
    && mkdir -p /data/media && chown concierge:concierge /data/media
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
# SQL migrations, applied by the store at start (and by `python -m store migrate`).
COPY --from=build /app/infra/migrations /app/infra/migrations
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    SERVICE=${SERVICE} \
    DEFAULT_HEALTH_PORT=${HEALTH_PORT} \
    STORE_MIGRATIONS_DIR=/app/infra/migrations
USER concierge
EXPOSE ${HEALTH_PORT}
# Ready = /readyz answers 200 (NATS connected, pull loops ticking, own dependencies up).
# The port is <SERVICE>_HEALTH_PORT when set (as the service reads it), else the default.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; port = os.environ.get(os.environ['SERVICE'].upper() + '_HEALTH_PORT', os.environ['DEFAULT_HEALTH_PORT']); urllib.request.urlopen(f'http://127.0.0.1:{port}/readyz', timeout=4)"
# exec: the service replaces the shell as PID 1 and gets SIGTERM directly (graceful drain).
CMD ["sh", "-c", "exec python -m \"$SERVICE\""]
