"""The store's session machinery on a migrated database and the real Redis, for tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
from redis.asyncio import Redis

from store import session_cache
from store.session_cache import SessionCache
from store.sessions import Sessions
from store.users import Users
from support.infra import REDIS_URL
from support.store_db import TEST_TOMBSTONES, migrated_pool

# An address where nothing listens: a Redis that is down.
CLOSED_REDIS_URL = "redis://127.0.0.1:1/0"


@dataclass
class SessionStore:
    pool: asyncpg.Pool
    redis: Redis
    cache: SessionCache
    users: Users
    sessions: Sessions

    async def row(self, session_id: str) -> asyncpg.Record:
        row = await self.pool.fetchrow("SELECT * FROM sessions WHERE id = $1", session_id)
        assert row is not None
        return row

    async def make_stale(self, session_id: str) -> None:
        """Move the session's clock back: it was last active two hours ago."""
        await self.pool.execute(
            "UPDATE sessions SET created_at = now() - interval '3 hours',"
            " last_activity_at = now() - interval '2 hours',"
            " expires_at = now() - interval '1 hour' WHERE id = $1",
            session_id,
        )


@contextlib.asynccontextmanager
async def session_store(
    database_url: str,
    namespace: str,
    *,
    redis_url: str = REDIS_URL,
    ttl_seconds: float = 1800.0,
    max_size: int = 12,
) -> AsyncIterator[SessionStore]:
    """Sessions wired like the store does, with the test's namespace for Redis keys."""
    async with migrated_pool(database_url, max_size=max_size) as pool:
        redis = session_cache.connect(redis_url)
        cache = SessionCache(redis, namespace=namespace, ttl_seconds=60)
        users = Users(pool, TEST_TOMBSTONES)
        sessions = Sessions(pool, users, cache, ttl_seconds=ttl_seconds)
        try:
            yield SessionStore(pool, redis, cache, users, sessions)
        finally:
            with contextlib.suppress(Exception):
                keys = [key async for key in redis.scan_iter(match=f"{namespace}:*")]
                if keys:
                    await redis.delete(*keys)
            await redis.aclose()
