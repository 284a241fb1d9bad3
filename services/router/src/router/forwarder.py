"""Foundation routing: every inbound message becomes one ``GenerateReply`` for ai.

Service choice, sessions, parent verification and handoff ownership are the
conversation-flow issue (#4); this stage only keeps order (one partition,
one message at a time) and guarantees that a message is forwarded once.

Deduplication has two layers: JetStream drops a republished ``GenerateReply``
within its duplicate window (deterministic message id), and a Redis key
remembers forwarded messages for longer (WAHA retries for up to ~30 min, and
history recovery may replay older messages). The key is written only after
the publish succeeded, so a crash never marks a message as done too early;
if Redis is unreachable the router carries on with JetStream's guard alone.
"""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from concierge_common import ids
from concierge_common.bus.consumer import Delivery
from concierge_common.bus.publisher import Publisher
from concierge_common.errors import InvalidMessage
from concierge_common.messages import BusMessage, GenerateReply, MessageReceived

log = logging.getLogger(__name__)


class Forwarder:
    """Handler of the ``inbound`` flow for the router."""

    def __init__(
        self, publisher: Publisher, redis: Redis, *, key_prefix: str, ttl_seconds: int
    ) -> None:
        self._publisher = publisher
        self._redis = redis
        self._prefix = key_prefix
        self._ttl = ttl_seconds

    async def __call__(self, message: BusMessage, delivery: Delivery) -> None:
        if not isinstance(message, MessageReceived):
            raise InvalidMessage(f"inbound flow cannot carry {type(message).__name__}")
        key = f"{self._prefix}router:forwarded:{message.message_id}"
        if await self._seen(key):
            log.info("message already forwarded, skipping")
            return
        command = GenerateReply(
            message_id=ids.derived_id("router", message.message_id),
            conversation_id=message.conversation_id,
            correlation_id=message.correlation_id,
            inbound=message,
        )
        await self._publisher.publish("ai", command)
        await self._remember(key)
        log.info("message forwarded to ai", extra={"attempt": delivery.attempt})

    async def _seen(self, key: str) -> bool:
        try:
            return bool(await self._redis.exists(key))
        except RedisError as exc:
            log.warning("redis unavailable for dedup: %s", type(exc).__name__)
            return False

    async def _remember(self, key: str) -> None:
        try:
            await self._redis.set(key, b"1", ex=self._ttl)
        except RedisError as exc:
            log.warning("redis unavailable for dedup: %s", type(exc).__name__)
