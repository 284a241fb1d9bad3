"""A request with the answers of a rate-limited API handled: wait and try again, or give up clearly.

* 429 (or 503) with ``Retry-After`` (seconds or an HTTP date): wait that long (at most
  ``max_wait``) and try again; without it, 1, 2, 4... seconds. ``sleep`` is
  injectable: tests do not wait for real.
* 401 / 403: the token is invalid or expired: :class:`SourceRefused` at once, with
  the source's own error code (Baserow's ``ERROR_INVALID_TOKEN``), never the token;
  a 401 is a :class:`TokenRefused` (a caller holding a short-lived token may get a
  new one and try once more).
* Other 5xx and network errors: tried again the same way; after ``attempts``
  tries, :class:`DownstreamUnavailable`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from concierge_common.errors import DownstreamRejected, DownstreamUnavailable

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class SourceRefused(DownstreamRejected):
    """The source refused the credentials (401/403) or the request (another 4xx)."""


class TokenRefused(SourceRefused):
    """A 401: the token is not (or no longer) valid."""


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    sleep: Sleep,
    headers: dict[str, str] | None = None,
    params: dict[str, str | int] | None = None,
    form: dict[str, str] | None = None,
    attempts: int = 6,
    max_wait: float = 300.0,
) -> httpx.Response:
    """The 2xx answer of ``GET url`` (``POST`` of ``form`` when given), after the
    retries the rules above allow."""
    method = "GET" if form is None else "POST"
    for attempt in range(attempts):
        try:
            response = await client.request(method, url, headers=headers, params=params, data=form)
        except httpx.TransportError as exc:
            problem = f"{type(exc).__name__}"
            wait = min(max_wait, 2.0**attempt)
        else:
            if response.is_success:
                return response
            _raise_if_refused(response)
            problem = f"HTTP {response.status_code}"
            wait = min(max_wait, retry_after(response) or 2.0**attempt)
        if attempt + 1 < attempts:
            log.info("source busy, trying again", extra={"problem": problem, "wait": wait})
            await sleep(wait)
    raise DownstreamUnavailable(f"{_host(url)} still answers {problem} after {attempts} tries")


def _raise_if_refused(response: httpx.Response) -> None:
    status = response.status_code
    if status in (429, 503) or status >= 500:
        return
    code = _error_code(response)
    if status in (401, 403):
        refused = TokenRefused if status == 401 else SourceRefused
        raise refused(
            f"{_host(str(response.url))} refused the token (HTTP {status}{code}):"
            " it is invalid or expired, or lacks the permission to read"
        )
    raise SourceRefused(f"{_host(str(response.url))} refused the request (HTTP {status}{code})")


def _error_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):  # Google: {"error": {"code", "message", "status"}}
        error = error.get("status")
    return f", {str(error)[:80]}" if error else ""


def retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds (given as seconds or as an HTTP date), or None."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _host(url: str) -> str:
    return httpx.URL(url).host or "the source"
