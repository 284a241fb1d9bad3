"""A local stand-in for WAHA's HTTP API, for the dev runner and the tests.

It follows WAHA's wire format for the endpoints the concierge calls and
validates every request against WAHA's published OpenAPI
(:mod:`concierge_devkit.waha_fake.openapi`): a wrong body or query answers 400
and is recorded in ``invalid``, so a test can assert there was none. It
checks ``X-Api-Key`` (401 otherwise), answers sends with 201 and a GOWS-style
``{"id": "true_<chat>_<ID>"}`` and records every request.

Beyond sending it holds what WAHA would know: received files (served under
``/api/files/<session>/<name>``), chat histories (``chats/overview`` and
``chats/{chatId}/messages``), the messages sent through it (found again by id),
and linked ids (``lids``). A test can script failures per endpoint
(``fail_next``) and wait for requests.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from concierge_common.bus.health import HttpServer
from concierge_devkit.waha_fake import openapi

SEND_ENDPOINTS = ("sendText", "sendFile", "sendSeen", "startTyping", "stopTyping")
# The documented route of each GET endpoint (OpenAPI path), by endpoint name.
READ_ENDPOINTS = {
    "newMessageId": "/api/{session}/new-message-id",
    "chatsOverview": "/api/{session}/chats/overview",
    "chatMessages": "/api/{session}/chats/{chatId}/messages",
    "getMessage": "/api/{session}/chats/{chatId}/messages/{messageId}",
    "lidToPhone": "/api/{session}/lids/{lid}",
    "phoneToLid": "/api/{session}/lids/pn/{phoneNumber}",
}


@dataclass
class Recorded:
    endpoint: str
    headers: dict[str, str]
    body: dict[str, Any]
    query: dict[str, str] = field(default_factory=dict)
    path: dict[str, str] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)


@dataclass
class _Failure:
    status: int
    body: dict[str, Any]
    endpoint: str | None  # None: the next request of any endpoint


@dataclass
class WahaFake:
    """Records what the concierge asks of WAHA; holds what WAHA would know."""

    api_key: str
    session: str = "default"
    requests: list[Recorded] = field(default_factory=list)
    invalid: list[tuple[str, list[str]]] = field(default_factory=list)
    on_send: Callable[[Recorded], None] | None = None
    delay: float = 0.0
    in_flight: int = 0
    max_in_flight: int = 0
    # "<session>/<name>" ("default/false_1@c.us_AAA.jpg") -> (bytes, mime type)
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    # chat id -> WAMessage dicts, any order (what GET .../messages returns)
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # "...@lid" -> "...@c.us"
    lids: dict[str, str] = field(default_factory=dict)
    _failures: list[_Failure] = field(default_factory=list)
    _changed: asyncio.Condition | None = None
    base_url: str = ""

    # --- what a test reads --------------------------------------------------------

    @property
    def sent_texts(self) -> list[Recorded]:
        return self.calls("sendText")

    def calls(self, *endpoints: str) -> list[Recorded]:
        """The recorded requests of these endpoints (every request when none named)."""
        return [item for item in self.requests if not endpoints or item.endpoint in endpoints]

    async def wait_for_texts(self, count: int, timeout: float = 10.0) -> list[Recorded]:
        """Wait until at least ``count`` texts were sent; return them all."""
        return await self.wait_for("sendText", count, timeout)

    async def wait_for(self, endpoint: str, count: int, timeout: float = 10.0) -> list[Recorded]:
        """Wait until ``endpoint`` was called at least ``count`` times; return those calls."""
        condition = self._condition()
        async with condition:
            await asyncio.wait_for(
                condition.wait_for(lambda: len(self.calls(endpoint)) >= count), timeout
            )
        return self.calls(endpoint)

    # --- what a test scripts --------------------------------------------------------

    def fail_next(
        self,
        count: int,
        status: int,
        body: dict[str, Any] | None = None,
        *,
        endpoint: str | None = "sendText",
    ) -> None:
        """Answer the next ``count`` requests of ``endpoint`` (None: any) with ``status``."""
        failure = _Failure(status, body or {"message": "scripted failure"}, endpoint)
        self._failures.extend([failure] * count)

    def add_file(self, name: str, data: bytes, mimetype: str, *, session: str = "") -> str:
        """Offer a received file; return its ``media.url`` as WAHA would put it in a webhook."""
        path = f"{session or self.session}/{name}"
        self.files[path] = (data, mimetype)
        return f"{self.base_url}/api/files/{path}"

    def add_history(self, chat_id: str, message: dict[str, Any]) -> None:
        """A message WAHA has in a chat's history (``WAMessage``)."""
        self.history.setdefault(chat_id, []).append(message)

    # --- the HTTP app ---------------------------------------------------------------

    def app(self) -> FastAPI:
        app = FastAPI(title="WAHA stand-in", docs_url=None, redoc_url=None, openapi_url=None)
        for name in SEND_ENDPOINTS:
            app.add_api_route(f"/api/{name}", self._send_route(name), methods=["POST"])
        app.add_api_route("/api/files/{session}/{name}", self._file, methods=["GET"])
        for name, path in READ_ENDPOINTS.items():
            app.add_api_route(path, self._read_route(name, path), methods=["GET"])
        return app

    def _send_route(self, name: str) -> Callable[[Request], Any]:
        async def route(request: Request) -> Response:
            return await self._send(name, request)

        return route

    def _read_route(self, name: str, path: str) -> Callable[[Request], Any]:
        async def route(request: Request) -> Response:
            return await self._read(name, path, request)

        return route

    async def _send(self, name: str, request: Request) -> Response:
        refused = self._refused(request, name)
        if refused is not None:
            return refused
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "invalid JSON")
        failure = self._checked(name, openapi.body_errors("post", f"/api/{name}", body))
        if failure is not None:
            return failure
        await self._slowly()
        recorded = Recorded(name, dict(request.headers), body)
        await self._record(recorded)
        if name in ("sendText", "sendFile"):
            return JSONResponse(self._sent(name, body, recorded), 201)
        return JSONResponse({"result": True}, 201)

    def _sent(self, name: str, body: dict[str, Any], recorded: Recorded) -> dict[str, Any]:
        chat = body["chatId"]
        message_id = f"true_{chat}_{body.get('id') or uuid.uuid4().hex[:20].upper()}"
        message = {
            "id": message_id,
            "timestamp": int(time.time()),
            "from": chat,
            "fromMe": True,
            "body": body.get("text") or body.get("caption") or "",
            "hasMedia": name == "sendFile",
        }
        self.add_history(chat, message)
        if self.on_send is not None:
            self.on_send(recorded)
        return {"id": message_id}

    async def _read(self, name: str, path: str, request: Request) -> Response:
        refused = self._refused(request, name)
        if refused is not None:
            return refused
        query = dict(request.query_params)
        failure = self._checked(name, openapi.query_errors("get", path, query))
        if failure is not None:
            return failure
        params = dict(request.path_params)
        await self._record(Recorded(name, dict(request.headers), {}, query, params))
        return self._answer(name, params, query)

    def _answer(self, name: str, params: dict[str, str], query: dict[str, str]) -> Response:
        if name == "newMessageId":
            return JSONResponse({"id": uuid.uuid4().hex[:20].upper()})
        if name == "chatsOverview":
            return JSONResponse(self._overview(int(float(query.get("limit", "20")))))
        if name == "chatMessages":
            return JSONResponse(self._messages(params["chatId"], query))
        if name == "getMessage":
            found = [
                m
                for m in self.history.get(params["chatId"], [])
                if m.get("id") == params["messageId"]
            ]
            return JSONResponse(found[0]) if found else _error(404, "message not found")
        if name == "lidToPhone":
            return JSONResponse({"lid": params["lid"], "pn": self.lids.get(params["lid"])})
        lid = next((k for k, v in self.lids.items() if v == params["phoneNumber"]), None)
        return JSONResponse({"lid": lid, "pn": params["phoneNumber"]})

    def _message(self, chat: str, message_id: str) -> dict[str, Any] | None:
        return next((m for m in self.history.get(chat, []) if m.get("id") == message_id), None)

    def _overview(self, limit: int) -> list[dict[str, Any]]:
        def last(chat: str) -> dict[str, Any]:
            return max(self.history[chat], key=lambda m: float(m.get("timestamp") or 0))

        chats = sorted(
            (chat for chat, items in self.history.items() if items),
            key=lambda chat: -float(last(chat).get("timestamp") or 0),
        )
        return [
            {"id": chat, "name": None, "picture": None, "lastMessage": last(chat), "_chat": {}}
            for chat in chats[:limit]
        ]

    def _messages(self, chat: str, query: dict[str, str]) -> list[dict[str, Any]]:
        items = list(self.history.get(chat, []))
        since = query.get("filter.timestamp.gte")
        if since is not None:
            items = [m for m in items if float(m.get("timestamp") or 0) >= float(since)]
        if query.get("filter.fromMe") in ("true", "false"):
            wanted = query["filter.fromMe"] == "true"
            items = [m for m in items if bool(m.get("fromMe")) == wanted]
        items.sort(
            key=lambda m: float(m.get("timestamp") or 0), reverse=query.get("sortOrder") == "desc"
        )
        offset = int(float(query.get("offset", "0")))
        return items[offset : offset + int(float(query["limit"]))]

    async def _file(self, session: str, name: str, request: Request) -> Response:
        refused = self._refused(request, "files")
        if refused is not None:
            return refused
        failure = self._scripted("files")
        if failure is not None:
            return failure
        await self._record(Recorded("files", dict(request.headers), {}, path={"name": name}))
        if f"{session}/{name}" not in self.files:
            return JSONResponse(
                {"error": {"code": 404, "key": "FILE_NOT_FOUND", "message": "File not found"}},
                404,
            )
        data, mimetype = self.files[f"{session}/{name}"]
        return Response(data, media_type=mimetype)

    # --- helpers ----------------------------------------------------------------------

    def _refused(self, request: Request, endpoint: str) -> Response | None:
        key = request.headers.get("x-api-key") or request.query_params.get("x-api-key")
        if key != self.api_key:
            self.invalid.append((endpoint, ["missing or wrong X-Api-Key"]))
            return JSONResponse({"message": "Unauthorized", "statusCode": 401}, status_code=401)
        return None

    def _checked(self, endpoint: str, errors: list[str]) -> Response | None:
        """400 for a request WAHA's schema refuses (recorded), else a scripted failure, if any."""
        if errors:
            self.invalid.append((endpoint, errors))
            return JSONResponse({"message": errors, "statusCode": 400}, 400)
        return self._scripted(endpoint)

    def _scripted(self, endpoint: str) -> Response | None:
        for index, failure in enumerate(self._failures):
            if failure.endpoint in (None, endpoint):
                del self._failures[index]
                return JSONResponse(failure.body, status_code=failure.status)
        return None

    async def _slowly(self) -> None:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1

    async def _record(self, recorded: Recorded) -> None:
        condition = self._condition()
        async with condition:
            self.requests.append(recorded)
            condition.notify_all()

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"message": message, "statusCode": status}, status_code=status)


async def serve_fake(fake: WahaFake, host: str = "127.0.0.1", port: int = 0) -> HttpServer:
    """Start ``fake`` on the running loop; read the bound port from the result.

    ``fake.base_url`` is set to the server's address (the host of ``media.url``).
    """
    server = HttpServer(fake.app(), host, port)
    await server.start()
    fake.base_url = f"http://{host}:{server.port}"
    return server
