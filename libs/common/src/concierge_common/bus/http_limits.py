"""A request body is never read past a limit: checked while it arrives, not after.

:class:`BodyLimit` wraps an ASGI app. A request that declares a ``Content-Length``
above the limit is answered 413 before a byte of its body is read; a body sent
without a length (chunked) is counted as it arrives, and the chunk that crosses the
limit raises :class:`BodyTooLarge` from ``receive``: a FastAPI app answers it
through its ``HTTPException`` handler, and when the app lets it through (or is no
FastAPI app) this wrapper answers 413 itself. Either way the rest of the body is
never read, so a chunked body without end costs at most ``max_bytes`` of memory,
and the connection is closed (``Connection: close``).
"""

from __future__ import annotations

import json
from http import HTTPStatus

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOO_LARGE = 413
_DETAIL = "request body exceeds the configured limit"


class BodyTooLarge(HTTPException):
    """The body being read crossed the limit (413)."""

    def __init__(self) -> None:
        super().__init__(TOO_LARGE, _DETAIL, headers={"Connection": "close"})


class BodyLimit:
    """Answers 413 to any HTTP request whose body is, or becomes, larger than ``max_bytes``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self._app = app
        self._max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared is None:
            await refuse(send, 400, "invalid Content-Length")
            return
        if declared > self._max_bytes:
            await refuse(send, TOO_LARGE, _DETAIL)
            return
        await self._counted(scope, receive, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._max_bytes:
                    raise BodyTooLarge()
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, limited_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await refuse(send, TOO_LARGE, _DETAIL)


def declared_length(scope: Scope) -> int | None:
    """The request's ``Content-Length`` (0 when absent), ``None`` when it is not a number."""
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() and len(text) <= 19 else None
    return 0


async def refuse(
    send: Send, status: int, detail: str, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> None:
    """Answer a problem+json ``status`` and close the connection."""
    body = json.dumps(
        {"type": "about:blank", "title": _title(status), "status": status, "detail": detail}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
