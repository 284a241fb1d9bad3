"""The store process: migrations at start, then persistence consumers."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from concierge_common.bus.topology import ConsumerSpec
from concierge_common.messages import MessageReceived, ReplySent
from concierge_common.runtime import Runtime, Subscription
from store import migrations
from store.recorder import Recorder
from store.repository import MessageLog
from store.settings import StoreSettings


class StoreService:
    """Owns the Postgres pool; consumes ``inbound`` and ``sent``."""

    def __init__(self, settings: StoreSettings, *, health_port: int | None = None) -> None:
        self.settings = settings
        port = settings.store_health_port if health_port is None else health_port
        self.runtime = Runtime("store", settings, health_port=port)

    def migrations_dir(self) -> Path:
        configured = self.settings.store_migrations_dir
        return Path(configured) if configured else migrations.default_dir()

    async def start(self) -> None:
        await migrations.migrate(self.settings.database_url, self.migrations_dir())
        pool = await asyncpg.create_pool(
            self.settings.database_url, min_size=1, max_size=self.settings.store_pool_max
        )
        runtime = self.runtime
        runtime.on_stop(pool.close)
        await runtime.start()

        async def database_ready() -> bool:
            return bool(await pool.fetchval("SELECT 1") == 1)

        runtime.readiness.add("postgres", database_ready)
        recorder = Recorder(MessageLog(pool))
        await runtime.consume(
            Subscription(ConsumerSpec("store", "inbound"), (MessageReceived,), recorder),
            Subscription(ConsumerSpec("store", "sent"), (ReplySent,), recorder),
        )

    async def stop(self) -> None:
        await self.runtime.stop()
