"""Rate limits on what goes out to WAHA: per chat and for the whole number, per minute.

Sliding windows: a send is allowed when fewer than ``limit`` sends happened in
the last minute, in its chat and overall. With ``REDIS_URL`` the windows live
in Redis (one sorted set per chat and one global, checked and updated by one
Lua script on Redis' clock), so every outbound replica shares them; without
Redis, or while Redis fails (a warning is logged), each process keeps its own.

:class:`SendLimits` waits while the wait is short (the delivery stays in
progress meanwhile) and raises :class:`DownstreamUnavailable` when it is not,
so that the bus tries again later instead of holding a partition. A limit of
0 or less disables that window.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from concierge_common import redis_client
from concierge_common.errors import DownstreamUnavailable
from gateway import metrics

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60.0
CHAT = "chat"
GLOBAL = "global"

# KEYS: chat window, global window. ARGV: window (ms), chat limit, global limit, member.
# Returns {scope, wait_ms}: scope "" when the send is allowed (and then counted).
_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limits = {tonumber(ARGV[2]), tonumber(ARGV[3])}
local scopes = {'chat', 'global'}
for i = 1, 2 do
  if limits[i] > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
    local count = redis.call('ZCARD', KEYS[i])
    if count >= limits[i] then
      local first = count - limits[i]
      local freed = redis.call('ZRANGE', KEYS[i], first, first, 'WITHSCORES')
      return {scopes[i], math.max(tonumber(freed[2]) + window - now, 1)}
    end
  end
end
for i = 1, 2 do
  if limits[i] > 0 then
    redis.call('ZADD', KEYS[i], now, ARGV[4])
    redis.call('PEXPIRE', KEYS[i], window)
  end
end
return {'', 0}
"""


@dataclass(frozen=True)
class Limits:
    per_chat: int
    per_number: int
    window_seconds: float = WINDOW_SECONDS


@dataclass(frozen=True)
class Verdict:
    """``scope`` "" when allowed; else the window that refused and the wait before a retry."""

    scope: str = ""
    wait: float = 0.0

    @property
    def allowed(self) -> bool:
        return not self.scope


class Windows(Protocol):
    async def take(self, chat: str) -> Verdict:
        """Count a send in ``chat`` if both windows allow it; else say how long to wait."""
        ...


class LocalWindows:
    """The windows of this process only."""

    def __init__(self, limits: Limits, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = limits
        self._clock = clock
        self._chats: dict[str, deque[float]] = {}
        self._number: deque[float] = deque()

    async def take(self, chat: str) -> Verdict:
        now = self._clock()
        chat_window = self._chats.pop(chat, None) or deque()
        checks = (
            (CHAT, chat_window, self._limits.per_chat),
            (GLOBAL, self._number, self._limits.per_number),
        )
        verdict = self._refusal(checks, now)
        if verdict.allowed:
            for _, window, limit in checks:
                if limit > 0:
                    window.append(now)
        if chat_window:  # chats with no recent send are forgotten
            self._chats[chat] = chat_window
        return verdict

    def _refusal(self, checks: tuple[tuple[str, deque[float], int], ...], now: float) -> Verdict:
        for scope, window, limit in checks:
            if limit <= 0:
                continue
            self._prune(window, now)
            if len(window) >= limit:
                freed = window[len(window) - limit]
                return Verdict(scope, freed + self._limits.window_seconds - now)
        return Verdict()

    def _prune(self, window: deque[float], now: float) -> None:
        while window and window[0] <= now - self._limits.window_seconds:
            window.popleft()


class RedisWindows:
    """Windows shared by every replica through Redis, with a local fallback."""

    def __init__(self, redis: Redis, limits: Limits, *, key_prefix: str, fallback: Windows) -> None:
        self._redis = redis
        self._limits = limits
        self._prefix = f"{key_prefix}gateway:rate:"
        self._fallback = fallback
        self._degraded = False

    async def take(self, chat: str) -> Verdict:
        keys = [f"{self._prefix}chat:{chat}", f"{self._prefix}global"]
        args: list[str | int] = [
            int(self._limits.window_seconds * 1000),
            self._limits.per_chat,
            self._limits.per_number,
            uuid.uuid4().hex,
        ]
        try:
            scope, wait_ms = await self._redis.eval(_SCRIPT, 2, *keys, *args)
        except (RedisError, OSError) as exc:
            if not self._degraded:
                log.warning(
                    "redis unavailable for rate limits, limiting in process: %s", type(exc).__name__
                )
            self._degraded = True
            return await self._fallback.take(chat)
        if self._degraded:
            log.info("redis back for rate limits")
            self._degraded = False
        scope = scope.decode() if isinstance(scope, bytes) else str(scope)
        return Verdict(scope, int(wait_ms) / 1000.0)


class SendLimits:
    """Holds a send back until its chat's and the number's windows allow it."""

    def __init__(
        self,
        windows: Windows,
        *,
        max_wait: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._windows = windows
        self._max_wait = max_wait
        self._sleep = sleep

    async def acquire(self, chat: str) -> None:
        """Return once a send in ``chat`` is allowed (and counted), or raise to retry later."""
        waited = 0.0
        while not (verdict := await self._windows.take(chat)).allowed:
            metrics.RATE_LIMITED.labels(verdict.scope).inc()
            if waited + verdict.wait > self._max_wait:
                raise DownstreamUnavailable(
                    f"{verdict.scope} rate limit: next send in {verdict.wait:.1f}s"
                )
            log.info(
                "send held back by the %s rate limit", verdict.scope, extra={"wait_s": verdict.wait}
            )
            await self._sleep(verdict.wait)
            waited += verdict.wait


def open_limits(
    redis_url: str, limits: Limits, *, key_prefix: str, max_wait: float
) -> tuple[SendLimits | None, Redis | None]:
    """The limits to apply (None when both are off) and the Redis client to close at shutdown."""
    if limits.per_chat <= 0 and limits.per_number <= 0:
        return None, None
    local = LocalWindows(limits)
    if not redis_url:
        return SendLimits(local, max_wait=max_wait), None
    redis = redis_client.connect(redis_url)
    windows = RedisWindows(redis, limits, key_prefix=key_prefix, fallback=local)
    return SendLimits(windows, max_wait=max_wait), redis
