"""The side HTTP app every service serves: ``/healthz``, ``/readyz`` and ``/metrics``.

``/healthz`` answers 200 while the event loop runs (liveness). ``/readyz``
runs the service's readiness checks (NATS connected, pull loops ticking,
database reachable...) and answers 503 with the failing ones named, and
always 503 once the service is shutting down so that traffic drains.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable, Iterator

import uvicorn
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp

from concierge_common.bus.http_limits import BodyLimit

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[bool]]
DEFAULT_MAX_HEADER_BYTES = 16_384  # uvicorn's own default, made explicit


class Readiness:
    """Named readiness checks plus a shutdown flag."""

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}
        self.stopping = False

    def add(self, name: str, check: Check) -> None:
        self._checks[name] = check

    async def report(self) -> tuple[bool, dict[str, str]]:
        results: dict[str, str] = {}
        for name, check in list(self._checks.items()):  # checks may be added meanwhile
            try:
                ok = await asyncio.wait_for(check(), timeout=2.0)
            except Exception as exc:
                log.debug("readiness check %s failed: %s", name, exc)
                ok = False
            results[name] = "ok" if ok else "failing"
        if self.stopping:
            results["shutdown"] = "in progress"
        ready = not self.stopping and all(value == "ok" for value in results.values())
        return ready, results


def side_app(service: str, readiness: Readiness) -> FastAPI:
    """The FastAPI app serving liveness, readiness and Prometheus metrics."""
    app = FastAPI(title=f"{service} health", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        ready, checks = await readiness.report()
        body = {"status": "ready" if ready else "not ready", "service": service, "checks": checks}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics")
    async def prometheus() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the service runtime."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class HttpServer:
    """Runs an ASGI app on the current event loop until :meth:`stop`.

    :meth:`stop` lets the requests being answered finish for at most
    ``grace_seconds``, then cancels them: a client that keeps a connection open
    never holds a stopping service (uvicorn alone would wait for it forever).

    With ``max_body_bytes``, every request body is limited while it is read
    (:class:`~concierge_common.bus.http_limits.BodyLimit`, 413 beyond; the public
    port sets it, tools and test doubles that take uploads need not). The header
    block is limited to ``max_header_bytes``, and beyond ``max_connections`` open
    connections and requests at once new ones are answered 503 (uvicorn's
    ``limit_concurrency``).
    """

    def __init__(
        self,
        app: ASGIApp,
        host: str,
        port: int,
        *,
        grace_seconds: float = 5.0,
        max_body_bytes: int | None = None,
        max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
        max_connections: int | None = None,
    ) -> None:
        if max_body_bytes is not None:
            app = BodyLimit(app, max_bytes=max_body_bytes)
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=max(1, math.ceil(grace_seconds)),
            h11_max_incomplete_event_size=max_header_bytes,
            limit_concurrency=max_connections,
        )
        self._server = _EmbeddedServer(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()  # re-raise why it could not start (port in use...)
                raise RuntimeError("http server exited before starting")
            await asyncio.sleep(0.01)

    @property
    def port(self) -> int:
        """The bound port (useful when configured with port 0)."""
        servers = self._server.servers
        if servers and servers[0].sockets:
            return int(servers[0].sockets[0].getsockname()[1])
        return int(self._server.config.port)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        await self._task
        self._task = None
