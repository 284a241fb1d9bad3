"""The services' Redis client queues callers for a connection instead of failing them."""

from __future__ import annotations

import asyncio
import uuid

from concierge_common import redis_client
from support.infra import REDIS_URL


async def test_more_callers_than_connections_all_get_their_answer() -> None:
    redis = redis_client.connect(REDIS_URL, max_connections=4)
    key = f"test:redis-client:{uuid.uuid4().hex}"
    try:
        # 300 commands at once on 4 connections: the default pool would raise
        # MaxConnectionsError past its cap; this one makes them wait their turn.
        await asyncio.gather(*(redis.incr(key) for _ in range(300)))
        assert int(await redis.get(key) or 0) == 300
    finally:
        await redis.delete(key)
        await redis.aclose()
