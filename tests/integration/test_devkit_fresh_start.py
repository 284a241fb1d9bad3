"""A fresh developer run against real servers: its own database emptied, a DATABASE_URL
database kept, the previous run's streams removed, ``--reset`` held back by a live server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import nats
import pytest
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

from concierge_common.bus.topology import Topology
from concierge_devkit.data_dir import reset_data_dir
from concierge_devkit.endpoints import database_name
from concierge_devkit.errors import DevkitError
from concierge_devkit.fresh_start import start_afresh
from concierge_devkit.infra import Infrastructure
from concierge_devkit.namespaces import forget_namespace
from concierge_devkit.postgres import create_database, recreate_database
from concierge_devkit.postgres_embedded import start_postgres
from concierge_devkit.run_state import RunState
from support.infra import NATS_URL, POSTGRES_ADMIN_URL, REDIS_URL, postgres_url, unique_namespace


@pytest.fixture
async def runner_database() -> AsyncIterator[str]:
    """A database with one table in it, standing for what an earlier run left."""
    url = postgres_url("concierge_devkit_" + uuid.uuid4().hex[:10])
    await create_database(url)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE TABLE left_by_earlier_run (id int)")
    finally:
        await conn.close()
    yield url
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')
    finally:
        await admin.close()


async def tables(url: str) -> list[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()
    return [row["tablename"] for row in rows]


async def test_the_runners_own_database_is_emptied(runner_database: str) -> None:
    infra = Infrastructure(NATS_URL, runner_database, REDIS_URL, own_database=True)
    await start_afresh(infra, previous=None)
    assert await tables(runner_database) == []


async def test_a_database_url_database_is_never_dropped(runner_database: str) -> None:
    infra = Infrastructure(NATS_URL, runner_database, REDIS_URL, own_database=False)
    await start_afresh(infra, previous=None)
    assert await tables(runner_database) == ["left_by_earlier_run"]


async def test_a_database_in_use_is_not_dropped(runner_database: str) -> None:
    other = await asyncpg.connect(runner_database)
    try:
        with pytest.raises(DevkitError, match="in use by other sessions"):
            await recreate_database(runner_database)
    finally:
        await other.close()
    assert await tables(runner_database) == ["left_by_earlier_run"]


async def test_the_previous_runs_streams_and_buckets_are_removed() -> None:
    namespace = unique_namespace()
    topology = Topology(namespace, 1)
    client = await nats.connect(NATS_URL)
    try:
        js = client.jetstream()
        await js.add_stream(StreamConfig(name=topology.stream, subjects=[f"{namespace}.chat.>"]))
        await js.create_key_value(bucket=topology.sent_bucket)
        await forget_namespace(NATS_URL, namespace)
        with pytest.raises(NotFoundError):
            await js.stream_info(topology.stream)
        with pytest.raises(NotFoundError):
            await js.key_value(topology.sent_bucket)
    finally:
        await client.close()


async def test_forgetting_a_namespace_that_left_nothing_is_fine() -> None:
    previous = RunState.fresh()
    await forget_namespace(NATS_URL, previous.bus_namespace)


@pytest.mark.slow
async def test_reset_is_refused_while_the_embedded_postgres_of_the_folder_runs(
    tmp_path: Path,
) -> None:
    server = await start_postgres(tmp_path / "postgres")
    try:
        with pytest.raises(DevkitError, match=r"postgres \(pid \d+\) still runs"):
            reset_data_dir(tmp_path)
        assert (tmp_path / "postgres" / "PG_VERSION").exists()
    finally:
        await server.stop()
    reset_data_dir(tmp_path)
    assert not (tmp_path / "postgres").exists()


async def test_runs_creating_the_same_database_at_once_all_go_on() -> None:
    url = postgres_url("concierge_devkit_" + uuid.uuid4().hex[:10])
    try:
        await asyncio.gather(*(create_database(url) for _ in range(6)))
        assert await tables(url) == []
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')
        finally:
            await admin.close()
