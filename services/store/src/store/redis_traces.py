"""An erased person's keys in Redis: rate limits of their chat, the router's dedup keys.

Redis holds little about a person, and nothing for long, but what it holds
names them: the gateway's sliding window of sends per chat
(``<prefix>gateway:rate:chat:<chat id>``, a minute), the router's record of
each message it handled (``<prefix>router:handled:<bus id>``, two days; the
bus id is derived from WAHA's message id) and whatever else a service keys by
chat id or conversation id (found by a ``SCAN`` of the namespace's keys for
them).

A Redis that fails is logged and leaves the keys to their expiry.
"""

from __future__ import annotations

import logging
import re

from redis.asyncio import Redis
from redis.exceptions import RedisError

from store.erasure_traces import MIN_NEEDLE, Traces

log = logging.getLogger(__name__)

_SCAN_COUNT = 500
_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")


class RedisTraces:
    """Deletes an erased person's Redis keys."""

    def __init__(self, redis: Redis, *, namespace: str) -> None:
        self._redis = redis
        self._prefix = f"{namespace}:" if namespace else ""

    async def sweep(self, traces: Traces) -> int:
        """Delete the person's keys; how many were deleted."""
        try:
            keys = set(self._known_keys(traces))
            for needle in (*traces.chats, *traces.numbers, *traces.conversation_ids):
                if len(needle) >= MIN_NEEDLE:
                    keys.update(await self._scan(needle))
            deleted = int(await self._redis.delete(*keys)) if keys else 0
        except (RedisError, OSError) as exc:
            log.error("redis keys of an erased person not deleted: %s", type(exc).__name__)
            return 0
        log.info("redis keys of an erased person deleted", extra={"count": deleted})
        return deleted

    def _known_keys(self, traces: Traces) -> list[str]:
        rate = [f"{self._prefix}gateway:rate:chat:{chat}" for chat in traces.chats]
        handled = [f"{self._prefix}router:handled:{message}" for message in traces.message_ids]
        return rate + handled

    async def _scan(self, needle: str) -> list[str]:
        pattern = f"{_glob(self._prefix)}*{_glob(needle)}*"
        found: list[str] = []
        async for key in self._redis.scan_iter(match=pattern, count=_SCAN_COUNT):
            found.append(key.decode() if isinstance(key, bytes) else str(key))
        return found


def _glob(text: str) -> str:
    """``text`` matched literally by a Redis glob pattern."""
    return _GLOB_SPECIAL.sub(r"\\\1", text)
