"""Migrations apply on an empty database, re-apply as a no-op, and survive a race."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from concierge_common.errors import ConfigError
from store import migrations


async def test_migrations_apply_on_empty_database_then_reapply_as_noop(database_url: str) -> None:
    folder = migrations.default_dir()
    first = await migrations.migrate(database_url, folder)
    assert first == [path.stem for path in sorted(folder.glob("*.sql"))]
    assert await migrations.migrate(database_url, folder) == []
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT to_regclass('interactions') IS NOT NULL")
    finally:
        await conn.close()


async def test_two_racing_runners_apply_each_migration_once(database_url: str) -> None:
    folder = migrations.default_dir()
    results = await asyncio.gather(*(migrations.migrate(database_url, folder) for _ in range(3)))
    applied = [version for result in results for version in result]
    assert sorted(applied) == sorted(path.stem for path in folder.glob("*.sql"))


async def test_an_applied_migration_that_changed_is_refused(
    database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "0001_one.sql").write_text("CREATE TABLE one (id int);")
    await migrations.migrate(database_url, tmp_path)
    (tmp_path / "0001_one.sql").write_text("CREATE TABLE one (id bigint);")
    with pytest.raises(ConfigError, match="changed after it was applied"):
        await migrations.migrate(database_url, tmp_path)
