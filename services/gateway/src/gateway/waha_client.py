"""A thin async client for the WAHA endpoints the concierge uses.

It owns the timeout, the ``X-Api-Key`` header and the mapping of WAHA's
answers to the error hierarchy: no answer, 5xx, 429 and 422 (session not
WORKING yet) are :class:`DownstreamUnavailable` (retried with backoff by the
bus); other 4xx and WhatsApp's 463 are :class:`DownstreamRejected` (never
retried). Sends are not idempotent on WAHA's side: the caller records what it
sent (see :mod:`gateway.outbound`).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx

from concierge_common.errors import DownstreamRejected, DownstreamUnavailable
from gateway import metrics

log = logging.getLogger(__name__)

_RETRYABLE_STATUSES = frozenset({408, 422, 425, 429})


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
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"X-Api-Key": api_key, "Accept": "application/json"},
            timeout=httpx.Timeout(timeout, connect=5.0),
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send_text(self, session: str, chat_id: str, text: str) -> str:
        """Send ``text`` to ``chat_id``; return WAHA's id of the sent message when it gives one."""
        body = {
            "session": session,
            "chatId": chat_id,
            "text": text,
            "linkPreview": False,
        }
        answer = await self._post("/api/sendText", body, endpoint="sendText")
        return _sent_message_id(answer)

    async def _post(self, path: str, body: dict[str, Any], *, endpoint: str) -> Any:
        started = time.perf_counter()
        try:
            response = await self._http.post(path, json=body)
        except httpx.HTTPError as exc:
            metrics.WAHA_REQUESTS.labels(endpoint, "error").inc()
            raise DownstreamUnavailable(f"WAHA {endpoint}: {type(exc).__name__}") from exc
        finally:
            metrics.WAHA_SECONDS.labels(endpoint).observe(time.perf_counter() - started)
        status = response.status_code
        metrics.WAHA_REQUESTS.labels(endpoint, str(status)).inc()
        if status < 300:
            return _json_or_none(response)
        message = f"WAHA {endpoint} answered {status}"
        if status >= 500 or status in _RETRYABLE_STATUSES:
            raise DownstreamUnavailable(message, status=status)
        raise DownstreamRejected(message, status=status)


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _sent_message_id(answer: Any) -> str:
    """WAHA's id of a sent message; its place depends on the engine (WAHA.md 9.3)."""
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
