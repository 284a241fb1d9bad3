"""Fresh PostgreSQL databases for the tests, made ahead of need and dropped behind.

Creating a database costs a few hundred milliseconds and dropping one nearly
as much, mostly spent waiting on the server's disk. A test asks for one with
:meth:`DatabasePool.take` and hands it back with :meth:`DatabasePool.give_back`;
the pool, on the session servers' own event loop, keeps a few empty databases
ready and drops the used ones while the next tests run. Every database is new
and empty: none is ever given to two tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

import asyncpg

log = logging.getLogger(__name__)

PREFIX = "concierge_test_"


def _new_name() -> str:
    return PREFIX + uuid.uuid4().hex[:12]


class DatabasePool:
    """Runs on one event loop (the session servers'); ``ahead`` databases wait ready."""

    def __init__(self, admin_url: str, *, ahead: int = 2) -> None:
        self._admin_url = admin_url
        self._ready: asyncio.Queue[str | Exception] = asyncio.Queue()
        self._slots = asyncio.Semaphore(ahead)
        self._maker: asyncio.Task[None] | None = None
        self._drops: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._maker = asyncio.create_task(self._keep_ahead())

    async def take(self) -> str:
        """The name of a new, empty database for one test."""
        made = await self._ready.get()
        self._slots.release()
        if isinstance(made, Exception):
            raise made
        return made

    def give_back(self, name: str) -> None:
        """Drop ``name`` in the background (the test is over with it)."""
        task = asyncio.create_task(self._drop(name))
        self._drops.add(task)
        task.add_done_callback(self._drops.discard)

    async def close(self) -> None:
        """Stop making databases, drop the unused ones, wait for every drop."""
        if self._maker is not None:
            self._maker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._maker
        while not self._ready.empty():
            made = self._ready.get_nowait()
            if isinstance(made, str):
                self.give_back(made)
        await asyncio.gather(*self._drops, return_exceptions=True)

    async def _keep_ahead(self) -> None:
        while True:
            await self._slots.acquire()
            name = _new_name()
            try:
                await self._execute(f'CREATE DATABASE "{name}"')
            except (OSError, asyncpg.PostgresError) as exc:
                await self._ready.put(exc)  # the test that takes it fails, saying why
            else:
                await self._ready.put(name)

    async def _drop(self, name: str) -> None:
        try:
            await self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("could not drop test database %s: %s", name, exc)

    async def _execute(self, statement: str) -> None:
        admin = await asyncpg.connect(self._admin_url)
        try:
            await admin.execute(statement)
        finally:
            with contextlib.suppress(OSError, asyncpg.PostgresError):
                await admin.close()
