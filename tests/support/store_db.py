"""A migrated store database for the store's integration tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import asyncpg

from store import migrations
from store.db import create_pool
from store.tombstones import Tombstones
from support.polling import eventually

# The tombstones of erased people, under a test key (production: INTRINSIC_ID_KEY).
TEST_TOMBSTONES = Tombstones("test-intrinsic-id-key-of-at-least-32-bytes")


@contextlib.asynccontextmanager
async def migrated_pool(database_url: str, *, max_size: int = 4) -> AsyncIterator[asyncpg.Pool]:
    """The store's pool (jsonb codecs included) on a database with every migration applied."""
    await migrations.migrate(database_url, migrations.default_dir())
    pool = await create_pool(database_url, max_size=max_size)
    try:
        yield pool
    finally:
        await pool.close()


async def eventually_fetched(database_url: str, query: str, *args: object) -> str:
    """The value ``query`` returns once it returns one (as text): waits for the store to write."""
    conn = await asyncpg.connect(database_url)
    try:

        async def found() -> str | None:
            value = await conn.fetchval(query, *args)
            return None if value is None else str(value)

        return await eventually(found)
    finally:
        await conn.close()
