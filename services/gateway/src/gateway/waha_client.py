"""A thin async client for the WAHA endpoints the concierge uses.

It owns the timeout, the ``X-Api-Key`` header and the mapping of WAHA's
answers to the error hierarchy: no answer, 5xx, 429 and 422 (session not
WORKING yet) are :class:`DownstreamUnavailable` (retried with backoff by the
bus); other 4xx and WhatsApp's 463 (:data:`TIMELOCK_STATUS`) are
:class:`DownstreamRejected` (never retried).

Sends are not idempotent on WAHA's side, so the client tells apart a request
that never reached WAHA (the connection could not be made: plain
:class:`DownstreamUnavailable`), a request WAHA answered (its status), and a
request that may have reached WAHA whose answer never came back
(:class:`NoAnswer`: a read timeout, a connection dropped after the request was
written, a proxy's 502 or 504). Only the last leaves a send in doubt; the caller
records what it sent and resolves the doubt with WAHA (:mod:`gateway.send_check`).

Idle connections are dropped after :data:`KEEPALIVE_SECONDS`, before a
Node.js server (WAHA) closes them on its side (5 s by default): a request
written on a connection the server is closing would otherwise come back
without an answer although WAHA never read it, and a send would be in doubt
for nothing.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from typing import Any, NoReturn
from urllib.parse import quote, urlencode, urlsplit

import httpx
import msgspec
from opentelemetry.trace import Span, SpanKind

from concierge_common import tracing
from concierge_common.errors import DownstreamRejected, DownstreamUnavailable
from concierge_common.metrics import child
from gateway import metrics
from gateway.waha_http import LeanClient, Timeouts

log = logging.getLogger(__name__)

_RETRYABLE_STATUSES = frozenset({408, 422, 425, 429})
# A proxy between the gateway and WAHA gave up waiting, or lost WAHA's answer: WAHA
# may still have handled the request.
_UNANSWERED_STATUSES = frozenset({502, 504})
# httpx errors raised before any byte of the request was written: WAHA never saw it.
_NOT_SENT_ERRORS = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)
KEEPALIVE_SECONDS = 2.0
_encoder = msgspec.json.Encoder()
# Requests to WAHA at once, and connections to it. More wait their turn here, in
# order, for as long as httpx would have made them wait for a connection (the
# timeout), and then fail as not sent. httpcore's pool is not made for many: each
# request scans every connection (a readability check of each idle one) for every
# request it queues, and with fewer keep-alive slots than connections it closed an
# idle connection each time it handed out another (it counts every connection as
# idle): a busy outbound sender spent most of its CPU there, connecting and
# disconnecting. The rate limits keep WhatsApp sends far below this.
MAX_CONNECTIONS = 32
# WhatsApp's "reachout timelock": the number may not message new contacts for a while.
TIMELOCK_STATUS = 463


class WahaClient:
    """Calls WAHA over HTTP; one instance per process, closed at shutdown."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        def client(transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
            return httpx.AsyncClient(
                base_url=base_url.rstrip("/"),
                headers={"X-Api-Key": api_key, "Accept": "application/json"},
                timeout=httpx.Timeout(timeout, connect=5.0),
                limits=httpx.Limits(
                    max_connections=MAX_CONNECTIONS,
                    max_keepalive_connections=MAX_CONNECTIONS,
                    keepalive_expiry=KEEPALIVE_SECONDS,
                ),
                transport=transport,
            )

        # The API calls over plain HTTP go through the lean client; files (streamed,
        # size-checked as they come), HTTPS and a given transport through httpx.
        self._files = client(transport)
        lean = transport is None and urlsplit(base_url).scheme == "http"
        self._lean = (
            LeanClient(
                base_url,
                {"X-Api-Key": api_key, "Accept": "application/json"},
                keepalive=KEEPALIVE_SECONDS,
                timeouts=Timeouts(connect=5.0, write=timeout, read=timeout),
            )
            if lean
            else None
        )
        self._slots = asyncio.Semaphore(MAX_CONNECTIONS)
        self._slot_timeout = timeout

    async def aclose(self) -> None:
        if self._lean is not None:
            await self._lean.aclose()
        await self._files.aclose()

    async def send_text(
        self, session: str, chat_id: str, text: str, *, message_id: str = "", reply_to: str = ""
    ) -> str:
        """Send ``text`` to ``chat_id``; return WAHA's id of the sent message when it gives one.

        ``message_id`` is a pre-generated id (:meth:`new_message_id`): with it, a
        send interrupted by a crash can be confirmed later with :meth:`get_message`.
        """
        body: dict[str, Any] = {
            "session": session,
            "chatId": chat_id,
            "text": text,
            "linkPreview": False,
        }
        if message_id:
            body["id"] = message_id
        if reply_to:
            body["reply_to"] = reply_to
        answer = await self._post("/api/sendText", body, endpoint="sendText")
        return _sent_message_id(answer)

    async def send_file(
        self,
        session: str,
        chat_id: str,
        *,
        data: bytes,
        mimetype: str,
        filename: str,
        caption: str = "",
    ) -> str:
        """Send a document (base64 in the body, WAHA's ``BinaryFile``); return its id."""
        body: dict[str, Any] = {
            "session": session,
            "chatId": chat_id,
            "file": {
                "mimetype": mimetype,
                "filename": filename,
                "data": base64.b64encode(data).decode("ascii"),
            },
        }
        if caption:
            body["caption"] = caption
        answer = await self._post("/api/sendFile", body, endpoint="sendFile")
        return _sent_message_id(answer)

    async def send_seen(
        self, session: str, chat_id: str, message_ids: list[str], *, participant: str = ""
    ) -> None:
        """Mark the person's messages as read (blue ticks) before answering."""
        body: dict[str, Any] = {"session": session, "chatId": chat_id}
        if message_ids:
            body["messageIds"] = list(message_ids)
        if participant:
            body["participant"] = participant
        await self._post("/api/sendSeen", body, endpoint="sendSeen")

    async def start_typing(self, session: str, chat_id: str) -> None:
        await self._post(
            "/api/startTyping", {"session": session, "chatId": chat_id}, endpoint="startTyping"
        )

    async def stop_typing(self, session: str, chat_id: str) -> None:
        await self._post(
            "/api/stopTyping", {"session": session, "chatId": chat_id}, endpoint="stopTyping"
        )

    async def new_message_id(self, session: str) -> str:
        """A fresh message id from WAHA, to pass to :meth:`send_text` (``""`` if none given)."""
        answer = await self._get(f"/api/{_seg(session)}/new-message-id", endpoint="newMessageId")
        value = answer.get("id") if isinstance(answer, dict) else None
        return value if isinstance(value, str) else ""

    async def get_message(
        self, session: str, chat_id: str, message_id: str, *, download_media: bool = False
    ) -> dict[str, Any] | None:
        """One message of a chat (``WAMessage``), or None when WAHA does not know it."""
        path = f"/api/{_seg(session)}/chats/{_seg(chat_id)}/messages/{_seg(message_id)}"
        params = {"downloadMedia": _flag(download_media)}
        try:
            answer = await self._get(path, endpoint="getMessage", params=params)
        except DownstreamRejected as exc:
            if exc.status == 404:
                return None
            raise
        return answer if isinstance(answer, dict) else None

    async def chat_messages(
        self,
        session: str,
        chat_id: str,
        *,
        since: float,
        limit: int,
        download_media: bool = True,
        from_me: bool | None = None,
    ) -> list[dict[str, Any]]:
        """The newest ``limit`` messages of the chat sent at or after ``since`` (Unix seconds).

        Newest first, so that a busy chat's latest messages are never cut off;
        ``from_me`` keeps only ours (True) or only others' (False).
        """
        params = {
            "limit": str(limit),
            "sortBy": "timestamp",
            "sortOrder": "desc",
            "downloadMedia": _flag(download_media),
            "filter.timestamp.gte": str(int(since)),
        }
        if from_me is not None:
            params["filter.fromMe"] = _flag(from_me)
        path = f"/api/{_seg(session)}/chats/{_seg(chat_id)}/messages"
        answer = await self._get(path, endpoint="chatMessages", params=params)
        return _objects(answer)

    async def recent_chats(self, session: str, *, limit: int) -> list[dict[str, Any]]:
        """The session's chats with their last message (``ChatSummary``), newest first."""
        path = f"/api/{_seg(session)}/chats/overview"
        answer = await self._get(path, endpoint="chatsOverview", params={"limit": str(limit)})
        return _objects(answer)

    async def phone_of_lid(self, session: str, lid: str) -> str:
        """The phone id (``...@c.us``) behind a linked id, or ``""`` when WAHA does not know it."""
        path = f"/api/{_seg(session)}/lids/{_seg(lid)}"
        try:
            answer = await self._get(path, endpoint="lidToPhone")
        except DownstreamRejected as exc:
            if exc.status == 404:
                return ""
            raise
        value = answer.get("pn") if isinstance(answer, dict) else None
        return value if isinstance(value, str) else ""

    async def download(self, url: str, *, max_bytes: int) -> bytes:
        """A received file from WAHA's file storage.

        Only the path of ``url`` is used, against the configured WAHA base URL:
        the API key never goes to another host, whatever a webhook says
        (docs/waha.md section 10). :class:`MediaTooLarge` past ``max_bytes``; a 404
        (the file expired) is a :class:`DownstreamRejected` with status 404.
        """
        path = _local_path(url)
        started = time.perf_counter()
        await self._take_slot("files")
        try:
            async with self._files.stream("GET", path) as response:
                status = response.status_code
                metrics.WAHA_REQUESTS.labels("files", str(status)).inc()
                if status >= 300:
                    _raise_for(status, "files")
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise MediaTooLarge(f"file of {declared} bytes")
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise MediaTooLarge(f"file above {max_bytes} bytes")
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.HTTPError as exc:
            metrics.WAHA_REQUESTS.labels("files", "error").inc()
            raise DownstreamUnavailable(f"WAHA files: {type(exc).__name__}") from exc
        finally:
            self._slots.release()
            metrics.WAHA_SECONDS.labels("files").observe(time.perf_counter() - started)

    async def _post(self, path: str, body: dict[str, Any], *, endpoint: str) -> Any:
        return await self._request("POST", path, endpoint=endpoint, json=body)

    async def _get(self, path: str, *, endpoint: str, params: dict[str, str] | None = None) -> Any:
        return await self._request("GET", path, endpoint=endpoint, params=params)

    async def _take_slot(self, endpoint: str) -> None:
        """Wait for a free request slot; not sent (unavailable) past the timeout."""
        try:
            async with asyncio.timeout(self._slot_timeout):
                await self._slots.acquire()
        except TimeoutError:
            child(metrics.WAHA_REQUESTS, endpoint, "error").inc()
            raise DownstreamUnavailable(f"WAHA {endpoint}: PoolTimeout") from None

    async def _request(self, method: str, path: str, *, endpoint: str, **kwargs: Any) -> Any:
        if not tracing.enabled():
            return await self._traced_request(method, path, endpoint=endpoint, span=None, **kwargs)
        # The path is not recorded: some carry a chat id.
        attributes = {"http.request.method": method, "concierge.waha.endpoint": endpoint}
        with tracing.span(f"WAHA {endpoint}", kind=SpanKind.CLIENT, attributes=attributes) as span:
            return await self._traced_request(method, path, endpoint=endpoint, span=span, **kwargs)

    async def _traced_request(
        self, method: str, path: str, *, endpoint: str, span: Span | None, **kwargs: Any
    ) -> Any:
        started = time.perf_counter()
        await self._take_slot(endpoint)
        try:
            status, answer = await self._exchange(method, path, **kwargs)
        except _NOT_SENT_ERRORS as exc:
            child(metrics.WAHA_REQUESTS, endpoint, "error").inc()
            raise DownstreamUnavailable(f"WAHA {endpoint}: {type(exc).__name__}") from exc
        except httpx.HTTPError as exc:
            child(metrics.WAHA_REQUESTS, endpoint, "error").inc()
            raise NoAnswer(f"WAHA {endpoint}: {type(exc).__name__}") from exc
        finally:
            self._slots.release()
            child(metrics.WAHA_SECONDS, endpoint).observe(time.perf_counter() - started)
        child(metrics.WAHA_REQUESTS, endpoint, str(status)).inc()
        tracing.note(span, "http.response.status_code", status)
        if status < 300:
            return answer
        _raise_for(status, endpoint)

    async def _exchange(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """WAHA's status and its answer's JSON (None when the body is not JSON)."""
        if self._lean is None:
            response = await self._files.request(method, path, json=json, params=params)
            return response.status_code, _response_json(response)
        body = None if json is None else _encoder.encode(json)
        query = urlencode(params or {})
        status, answer = await self._lean.request(method, path, body=body, query=query)
        return status, _json_or_none(answer)


class MediaTooLarge(DownstreamRejected):
    """A received file is larger than the configured limit (nothing kept)."""


class NoAnswer(DownstreamUnavailable):
    """The request may have reached WAHA, but no answer from WAHA came back.

    For a send, whether the message went out is unknown: WAHA may still be
    sending it, or have sent it already.
    """


def _raise_for(status: int, endpoint: str) -> NoReturn:
    message = f"WAHA {endpoint} answered {status}"
    if status in _UNANSWERED_STATUSES:
        raise NoAnswer(message, status=status)
    if status >= 500 or status in _RETRYABLE_STATUSES:
        raise DownstreamUnavailable(message, status=status)
    raise DownstreamRejected(message, status=status)


def _objects(answer: Any) -> list[dict[str, Any]]:
    return [item for item in answer if isinstance(item, dict)] if isinstance(answer, list) else []


def _seg(value: str) -> str:
    """One path segment (``@`` becomes ``%40`` as WAHA's docs ask)."""
    return quote(value, safe="")


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _local_path(url: str) -> str:
    """The path and query of ``url``: downloads always go to the configured WAHA."""
    parts = urlsplit(url)
    if not parts.path.startswith("/api/files/"):
        raise DownstreamRejected("media url outside WAHA's file storage", status=400)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _response_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _sent_message_id(answer: Any) -> str:
    """WAHA's id of a sent message; its place depends on the engine (docs/waha.md 9.3)."""
    if not isinstance(answer, dict):
        return ""
    value = answer.get("id")
    if isinstance(value, str):
        return value  # GOWS
    if isinstance(value, dict) and isinstance(value.get("_serialized"), str):
        return str(value["_serialized"])  # WEBJS
    key = answer.get("key")
    if isinstance(key, dict) and isinstance(key.get("id"), str):
        return str(key["id"])  # NOWEB
    return ""
