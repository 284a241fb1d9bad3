"""The running store purges on its own, every RETENTION_INTERVAL_SECONDS, and counts it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from prometheus_client import REGISTRY

from concierge_common import settings as settings_module
from store.service import StoreService
from store.settings import StoreSettings
from support.polling import eventually
from support.stack import delete_namespace


@pytest.fixture
async def store(env: dict[str, str], tmp_path: Path) -> AsyncIterator[StoreService]:
    configured = {
        **env,
        "MEDIA_STORAGE_URL": str(tmp_path),
        "RETENTION_INTERACTIONS_DAYS": "30",
        "RETENTION_INTERVAL_SECONDS": "0.2",
    }
    service = StoreService(settings_module.load(StoreSettings, configured), health_port=0)
    try:
        await service.start()
        yield service
    finally:
        await service.stop()
        await delete_namespace(env["NATS_URL"], service.runtime.topology)


def _purged() -> float:
    return (
        REGISTRY.get_sample_value(
            "concierge_store_retention_purged_total", {"kind": "interactions"}
        )
        or 0.0
    )


async def test_the_store_purges_old_interactions_by_itself(store: StoreService) -> None:
    before = _purged()
    conn = await asyncpg.connect(store.settings.database_url)
    try:
        user = await conn.fetchval("INSERT INTO users (name) VALUES ('') RETURNING id")
        session = await conn.fetchval(
            "INSERT INTO sessions (user_id, status, created_at, expires_at, ended_at)"
            " VALUES ($1, 'closed', now() - interval '90 days', now(), now()) RETURNING id",
            user,
        )
        for key, age in (("old", timedelta(days=40)), ("young", timedelta(days=2))):
            await conn.execute(
                "INSERT INTO interactions (session_id, direction, provider_message_id, created_at)"
                " VALUES ($1, 'in', $2, now() - $3::interval)",
                session,
                key,
                age,
            )

        async def old_gone() -> bool:
            left = await conn.fetch("SELECT provider_message_id FROM interactions")
            return [row[0] for row in left] == ["young"]

        await eventually(old_gone)
    finally:
        await conn.close()
    assert _purged() - before == 1
