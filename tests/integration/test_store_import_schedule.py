"""The store's scheduled imports: a source with an interval is synced at start, and a
source that fails is logged and left for the next interval, without stopping the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from concierge_common.contracts.store_api import ServiceWrite
from concierge_common.errors import ConfigError
from store.catalog import Catalog
from store.importing.schedule import ImportSchedule, scheduled_mappings
from support.polling import wait_until
from support.store_db import migrated_pool

SOURCE = """[source]
name = "{name}"
kind = "csv"
interval_minutes = {interval}
[source.file]
path = "{file}"
[facts]
title = "Titre"
content = "Texte"
default_service = "RENSEIGNEMENT"
"""


def _mapping(folder: Path, name: str, file: str, interval: int) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(SOURCE.format(name=name, file=file, interval=interval), encoding="utf-8")
    return path


def test_only_sources_with_an_interval_are_scheduled_and_a_bad_mapping_stops_the_start(
    tmp_path: Path,
) -> None:
    scheduled = _mapping(tmp_path, "hourly", "a.csv", 60)
    manual = _mapping(tmp_path, "manual", "b.csv", 0)
    found = scheduled_mappings(f"{scheduled}, {manual}")
    assert [mapping.name for mapping in found] == ["hourly"]
    (tmp_path / "bad.toml").write_text("[source]\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        scheduled_mappings(str(tmp_path / "bad.toml"))


async def test_scheduled_sources_are_synced_at_start_and_a_failing_one_spares_the_others(
    database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "a.csv").write_text("Titre,Texte\nMesse,Dimanche 10 h 30\n", encoding="utf-8")
    good = _mapping(tmp_path, "good", "a.csv", 60)
    missing = _mapping(tmp_path, "missing", "absent.csv", 60)
    async with migrated_pool(database_url) as pool:
        await Catalog(pool).create(ServiceWrite(name="RENSEIGNEMENT"))
        schedule = ImportSchedule(pool, scheduled_mappings(f"{good},{missing}"))
        schedule.start()
        try:
            await wait_until(lambda: all(schedule.runs.values()))
        finally:
            await schedule.stop()
        titles = await pool.fetch("SELECT title FROM service_infos WHERE import_source = 'good'")
    assert [row["title"] for row in titles] == ["Messe"]
