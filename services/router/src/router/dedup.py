"""Remembering handled messages longer than JetStream's duplicate window.

JetStream drops a republished message with the same id within its duplicate
window; WAHA retries for up to ~30 minutes and history recovery may replay
older messages, so the router also remembers handled message ids in Redis. The
key is written only after the message was fully handled, so a crash never
marks a message as done too early; if Redis is unreachable the router carries
on with JetStream's guard alone (and the derived ids of what it publishes).
"""

from __future__ import annotations

import logging
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class Handled(Protocol):
    async def seen(self, message_id: str) -> bool: ...

    async def remember(self, message_id: str) -> None: ...


class HandledMessages:
    """:class:`Handled` in Redis, with a TTL."""

    def __init__(self, redis: Redis, *, key_prefix: str, ttl_seconds: int) -> None:
        self._redis = redis
        self._prefix = f"{key_prefix}router:handled:"
        self._ttl = ttl_seconds

    async def seen(self, message_id: str) -> bool:
        try:
            return bool(await self._redis.exists(self._prefix + message_id))
        except RedisError as exc:
            log.warning("redis unavailable for dedup: %s", type(exc).__name__)
            return False

    async def remember(self, message_id: str) -> None:
        try:
            await self._redis.set(self._prefix + message_id, b"1", ex=self._ttl)
        except RedisError as exc:
            log.warning("redis unavailable for dedup: %s", type(exc).__name__)
