"""The public port's rate limit per source: a token bucket per client address.

Every request of the public port (webhook, API, ``/health``, ``/docs``) takes a
token from its source's bucket, which holds at most ``burst`` tokens and gets
``per_second`` back each second; an empty bucket is answered 429 with
``Retry-After`` before anything else runs. WAHA honours ``Retry-After`` and retries.

The source is the peer's address, or, only when ``GATEWAY_CLIENT_IP_HEADER`` names
one, the last address of that header (the one the trusted proxy in front of the
gateway appended; earlier ones are the client's own claims). IPv6 addresses count
per /64, what one subscriber usually holds. Networks listed in
``GATEWAY_RATE_LIMIT_EXEMPT`` (WAHA's own, in a deployment where many events come
at once) are not limited.

The buckets live in this process: the limit protects this replica's CPU and memory
before any other work, without a Redis round trip on WAHA's hot path nor a Redis
outage deciding whether the public port answers. Behind a balancer, a source gets
the rate once per replica. At most ``max_sources`` buckets are kept; the least
recently seen go first (a source forgotten that way starts with a full bucket).
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from concierge_common.bus.http_limits import refuse
from gateway import metrics
from gateway.settings import Network

MAX_SOURCES = 10_000
IPV6_PREFIX = 64
UNKNOWN = "unknown"


@dataclass(frozen=True)
class SourceRate:
    per_second: float
    burst: int

    @property
    def enabled(self) -> bool:
        return self.per_second > 0 and self.burst > 0


@dataclass
class _Bucket:
    tokens: float
    at: float


class Buckets:
    """A token bucket per source, the least recently seen forgotten beyond ``max_sources``."""

    def __init__(
        self,
        rate: SourceRate,
        *,
        max_sources: int = MAX_SOURCES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = rate
        self._max_sources = max_sources
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, source: str) -> float:
        """0 when ``source`` may go on (a token is taken), else the seconds until one is back."""
        now = self._clock()
        bucket = self._buckets.pop(source, None) or _Bucket(float(self._rate.burst), now)
        bucket.tokens = min(
            float(self._rate.burst), bucket.tokens + (now - bucket.at) * self._rate.per_second
        )
        bucket.at = now
        self._buckets[source] = bucket
        while len(self._buckets) > self._max_sources:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self._rate.per_second


class SourceLimit:
    """ASGI middleware: 429 to a source whose bucket is empty."""

    def __init__(
        self,
        app: ASGIApp,
        buckets: Buckets,
        *,
        client_header: str = "",
        exempt: Sequence[Network] = (),
    ) -> None:
        self._app = app
        self._buckets = buckets
        self._header = client_header.strip().lower().encode("latin-1")
        self._exempt = tuple(exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        address = client_address(scope, self._header)
        if address is not None and any(address in network for network in self._exempt):
            await self._app(scope, receive, send)
            return
        wait = self._buckets.take(source_of(address))
        if wait:
            metrics.EDGE_REFUSED.labels("rate_limited").inc()
            retry = str(max(1, math.ceil(wait))).encode()
            await refuse(
                send, 429, "too many requests from this source", ((b"retry-after", retry),)
            )
            return
        await self._app(scope, receive, send)


def client_address(
    scope: Scope, header: bytes = b""
) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The client's address: the peer's, or the last one of the trusted proxy's header."""
    raw = ""
    if header:
        for name, value in scope.get("headers", ()):
            if name.lower() == header:
                raw = value.decode("latin-1").rsplit(",", 1)[-1].strip()
    elif scope.get("client"):
        raw = str(scope["client"][0])
    try:
        return ipaddress.ip_address(raw)
    except ValueError:
        return None


def source_of(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> str:
    """The bucket of an address: itself for IPv4, its /64 for IPv6."""
    if address is None:
        return UNKNOWN
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address)
