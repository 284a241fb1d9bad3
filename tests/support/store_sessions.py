"""The store's session machinery on a migrated database, for tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg

from store.interactions import Interactions
from store.sessions import Sessions
from store.users import Users
from support.store_db import TEST_TOMBSTONES, migrated_pool


@dataclass
class SessionStore:
    pool: asyncpg.Pool
    users: Users
    sessions: Sessions

    @property
    def interactions(self) -> Interactions:
        return Interactions(self.pool, self.users, self.sessions)

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
    database_url: str, *, ttl_seconds: float = 1800.0, max_size: int = 12
) -> AsyncIterator[SessionStore]:
    """Sessions wired like the store does."""
    async with migrated_pool(database_url, max_size=max_size) as pool:
        users = Users(pool, TEST_TOMBSTONES)
        yield SessionStore(pool, users, Sessions(pool, users, ttl_seconds=ttl_seconds))
