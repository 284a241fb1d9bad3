"""A local stand-in for WAHA's send API, for the dev runner and the tests.

It follows WAHA's wire format for the endpoints the concierge calls: it
checks ``X-Api-Key`` (401 otherwise), requires the fields WAHA's OpenAPI marks
required (400 otherwise), answers 201 with a GOWS-style ``{"id": ...}`` and
records every request. A test can script failures (``fail_next``) and wait
for a number of sends.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from concierge_common.health import HttpServer

REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "sendText": ("session", "chatId", "text"),
    "sendSeen": ("session", "chatId"),
    "startTyping": ("session", "chatId"),
    "stopTyping": ("session", "chatId"),
}


@dataclass
class Recorded:
    endpoint: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class WahaFake:
    """Records what the concierge sends to WAHA."""

    api_key: str
    requests: list[Recorded] = field(default_factory=list)
    on_send: Callable[[Recorded], None] | None = None
    delay: float = 0.0
    in_flight: int = 0
    max_in_flight: int = 0
    _failures: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    _changed: asyncio.Condition | None = None

    @property
    def sent_texts(self) -> list[Recorded]:
        return [item for item in self.requests if item.endpoint == "sendText"]

    def fail_next(self, count: int, status: int, body: dict[str, Any] | None = None) -> None:
        """Answer the next ``count`` send requests with ``status``."""
        self._failures.extend([(status, body or {"message": "scripted failure"})] * count)

    async def wait_for_texts(self, count: int, timeout: float = 10.0) -> list[Recorded]:
        """Wait until at least ``count`` texts were sent; return them all."""
        condition = self._condition()
        async with condition:
            await asyncio.wait_for(
                condition.wait_for(lambda: len(self.sent_texts) >= count), timeout
            )
        return self.sent_texts

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    def app(self) -> FastAPI:
        app = FastAPI(title="WAHA stand-in", docs_url=None, redoc_url=None, openapi_url=None)

        async def endpoint(request: Request) -> JSONResponse:
            name = request.url.path.rsplit("/", 1)[-1]
            return await self._handle(name, request)

        for name in REQUIRED_FIELDS:
            app.add_api_route(f"/api/{name}", endpoint, methods=["POST"])
        return app

    async def _handle(self, name: str, request: Request) -> JSONResponse:
        if request.headers.get("x-api-key") != self.api_key:
            return JSONResponse({"message": "Unauthorized", "statusCode": 401}, status_code=401)
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"message": "invalid JSON", "statusCode": 400}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"message": "body must be an object", "statusCode": 400}, 400)
        missing = [key for key in REQUIRED_FIELDS[name] if not body.get(key)]
        if missing:
            detail = {"message": [f"{key} should not be empty" for key in missing]}
            return JSONResponse({**detail, "statusCode": 400}, status_code=400)
        if self._failures:
            status, failure = self._failures.pop(0)
            return JSONResponse(failure, status_code=status)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        recorded = Recorded(name, dict(request.headers), body)
        condition = self._condition()
        async with condition:
            self.requests.append(recorded)
            condition.notify_all()
        if self.on_send is not None and name == "sendText":
            self.on_send(recorded)
        chat = body.get("chatId", "")
        return JSONResponse({"id": f"true_{chat}_{uuid.uuid4().hex[:20].upper()}"}, 201)


async def serve_fake(fake: WahaFake, host: str = "127.0.0.1", port: int = 0) -> HttpServer:
    """Start ``fake`` on the running loop; read the bound port from the result."""
    server = HttpServer(fake.app(), host, port)
    await server.start()
    return server
