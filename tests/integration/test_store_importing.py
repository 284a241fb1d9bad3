"""Importers against the real PostgreSQL and local stand-ins of their sources: a sync adds,
changes and retires what the source says, a second run changes nothing, a dry run
writes nothing, and Baserow's pages, expired tokens and rate limits are handled."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import openpyxl  # type: ignore[import-untyped]
import pytest

from concierge_common.contracts.store_api import ServiceWrite
from store.catalog import Catalog
from store.families import Families
from store.importing.http_fetch import SourceRefused
from store.importing.mapping import Mapping, load_mapping
from store.importing.report import SyncReport
from store.importing.sync import EmptySource, run_sync
from support.fake_sources import TABLE_ID, FakeSources
from support.import_sources import FACT_COLUMNS, Sleeps
from support.store_db import migrated_pool

FACTS_CSV = """id,Titre,Texte,Début,Fin,Service
1,Messe du dimanche,Messe à 10 h 30.,,,RENSEIGNEMENT
2,Messes de Noël,Veillée à 18 h 30.,01/12/2026,25/12/2026,
3,Inscriptions caté,Toute l'année.,2020-09-01,2099-06-30,CATECHESE
"""


@dataclass
class Parish:
    pool: asyncpg.Pool
    folder: Path
    sleeps: Sleeps

    def mapping(self, text: str, name: str = "source.toml") -> Mapping:
        path = self.folder / name
        path.write_text(text, encoding="utf-8")
        return load_mapping(path)

    async def sync(self, mapping: Mapping, *, dry_run: bool = False) -> SyncReport:
        return await run_sync(self.pool, mapping, sleep=self.sleeps, dry_run=dry_run)

    async def facts(self) -> dict[str, asyncpg.Record]:
        rows = await self.pool.fetch(
            "SELECT i.*, s.name AS service FROM service_infos i"
            " JOIN services s ON s.id = i.service_id WHERE import_source IS NOT NULL"
        )
        return {row["import_key"]: row for row in rows}


@pytest.fixture
async def parish(database_url: str, tmp_path: Path) -> AsyncIterator[Parish]:
    async with migrated_pool(database_url) as pool:
        for name in ("RENSEIGNEMENT", "CATECHESE"):
            await Catalog(pool).create(ServiceWrite(name=name))
        yield Parish(pool, tmp_path, Sleeps())


@pytest.fixture
def sources() -> Iterator[FakeSources]:
    with FakeSources() as running:
        yield running


def _csv_mapping(parish: Parish, text: str) -> Mapping:
    (parish.folder / "annonces.csv").write_text(text, encoding="utf-8")
    source = '[source]\nname = "annonces"\nkind = "csv"\n[source.file]\npath = "annonces.csv"\n'
    return parish.mapping(source + FACT_COLUMNS)


def _counts(report: SyncReport) -> tuple[int, int, int, int]:
    return report.added, report.changed, report.retired, report.unchanged


async def test_a_csv_is_imported_and_a_second_run_changes_nothing(parish: Parish) -> None:
    mapping = _csv_mapping(parish, FACTS_CSV)
    first = await parish.sync(mapping)
    assert _counts(first) == (3, 0, 0, 0)
    facts = await parish.facts()
    assert facts["2"]["service"] == "RENSEIGNEMENT"  # the default service
    assert facts["3"]["service"] == "CATECHESE"
    # A day alone ends after that day, in the parish's time zone.
    assert facts["2"]["valid_to"] == datetime(2026, 12, 25, 23, tzinfo=UTC)
    before = {key: row["updated_at"] for key, row in facts.items()}
    second = await parish.sync(mapping)
    assert _counts(second) == (0, 0, 0, 3)
    assert {key: row["updated_at"] for key, row in (await parish.facts()).items()} == before


async def test_a_changed_row_is_updated_in_place_and_a_removed_one_retired(
    parish: Parish,
) -> None:
    await parish.sync(_csv_mapping(parish, FACTS_CSV))
    ids = {key: row["id"] for key, row in (await parish.facts()).items()}
    lines = FACTS_CSV.splitlines()
    changed = "\n".join([lines[0], lines[1].replace("10 h 30", "11 h"), lines[2]]) + "\n"
    report = await parish.sync(_csv_mapping(parish, changed))
    assert _counts(report) == (0, 1, 1, 1)
    facts = await parish.facts()
    assert facts["1"]["id"] == ids["1"]
    assert facts["1"]["content"] == "Messe à 11 h."
    assert facts["3"]["valid_to"] <= datetime.now(UTC)  # retired, still there
    again = await parish.sync(_csv_mapping(parish, changed))
    assert _counts(again) == (0, 0, 0, 2)


async def test_a_dry_run_reports_the_same_and_writes_nothing(parish: Parish) -> None:
    mapping = _csv_mapping(parish, FACTS_CSV)
    dry = await parish.sync(mapping, dry_run=True)
    assert (dry.dry_run, _counts(dry)) == (True, (3, 0, 0, 0))
    assert await parish.facts() == {}
    assert _counts(await parish.sync(mapping)) == _counts(dry)


async def test_rows_that_cannot_be_read_are_skipped_and_reported(parish: Parish) -> None:
    text = FACTS_CSV + "4,,Sans titre,,,\n5,Fête,Kermesse,demain,,\n6,Retraite,x,,,INCONNU\n"
    report = await parish.sync(_csv_mapping(parish, text))
    assert report.added == 3
    assert len(report.skipped) == 3
    assert any("INCONNU" in item.reason for item in report.skipped)


async def test_an_empty_source_is_refused_and_retires_nothing(parish: Parish) -> None:
    await parish.sync(_csv_mapping(parish, FACTS_CSV))
    with pytest.raises(EmptySource):
        await parish.sync(_csv_mapping(parish, FACTS_CSV.splitlines()[0] + "\n"))
    assert len(await parish.facts()) == 3


async def test_an_xlsx_file_is_imported_with_its_dates(parish: Parish) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Annonces"
    sheet.append(["Titre", "Texte", "Début", "Fin"])
    sheet.append(["Pèlerinage", "Départ à 7 h.", datetime(2026, 5, 2), datetime(2026, 5, 3)])
    buffer = io.BytesIO()
    book.save(buffer)
    (parish.folder / "annonces.xlsx").write_bytes(buffer.getvalue())
    mapping = parish.mapping(
        '[source]\nname = "tableur"\nkind = "xlsx"\n'
        '[source.file]\npath = "annonces.xlsx"\nsheet = "Annonces"\n'
        '[facts]\ntitle = "Titre"\ncontent = "Texte"\nvalid_from = "Début"\n'
        'valid_until = "Fin"\ndefault_service = "RENSEIGNEMENT"\n'
    )
    assert _counts(await parish.sync(mapping)) == (1, 0, 0, 0)
    fact = (await parish.facts())["Pèlerinage"]  # keyed by its title
    assert fact["valid_from"] == datetime(2026, 5, 1, 22, tzinfo=UTC)
    assert _counts(await parish.sync(mapping)) == (0, 0, 0, 1)


def _baserow_mapping(parish: Parish, sources: FakeSources, page_size: int = 2) -> Mapping:
    return parish.mapping(
        f'[source]\nname = "baserow"\nkind = "baserow"\n'
        f'[source.baserow]\nurl = "{sources.url}"\ntable_id = {TABLE_ID}\n'
        f'token_env = "TEST_BASEROW_TOKEN"\npage_size = {page_size}\n'
        '[facts]\nkey = "id"\ntitle = "Titre"\ncontent = "Texte"\nservice = "Service"\n'
    )


def _baserow_rows(count: int) -> list[dict[str, Any]]:
    service = {"id": 3, "value": "RENSEIGNEMENT", "color": "blue"}  # a single select
    return [
        {
            "id": 100 + n,
            "order": f"{n}.0",
            "Titre": f"Fait {n}",
            "Texte": f"Texte {n}",
            "Service": service,
        }
        for n in range(count)
    ]


async def test_a_baserow_table_is_read_page_after_page(
    parish: Parish, sources: FakeSources, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_BASEROW_TOKEN", sources.token)
    sources.rows = _baserow_rows(5)
    report = await parish.sync(_baserow_mapping(parish, sources))
    assert _counts(report) == (5, 0, 0, 0)
    assert sources.pages_read() == ["1", "2", "3"]
    assert {s.authorization for s in sources.seen} == {f"Token {sources.token}"}
    assert sorted(await parish.facts()) == [str(100 + n) for n in range(5)]
    sources.rows = sources.rows[:4]
    assert _counts(await parish.sync(_baserow_mapping(parish, sources))) == (0, 0, 1, 4)


async def test_baserow_rate_limits_are_waited_out_as_retry_after_says(
    parish: Parish, sources: FakeSources, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_BASEROW_TOKEN", sources.token)
    sources.rows = _baserow_rows(3)
    sources.busy.extend([(429, {"Retry-After": "7"}), (429, {})])
    report = await parish.sync(_baserow_mapping(parish, sources))
    assert report.added == 3
    assert parish.sleeps.waits == [7.0, 2.0]  # as told, then the backoff's second step


async def test_an_expired_baserow_token_is_refused_clearly_and_writes_nothing(
    parish: Parish, sources: FakeSources, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_BASEROW_TOKEN", "expired-token")
    sources.rows = _baserow_rows(3)
    with pytest.raises(SourceRefused) as refused:
        await parish.sync(_baserow_mapping(parish, sources))
    assert "ERROR_INVALID_TOKEN" in str(refused.value)
    assert "expired-token" not in str(refused.value)
    assert parish.sleeps.waits == []  # not retried
    assert await parish.facts() == {}


async def test_a_google_sheet_is_read_through_its_csv_export(
    parish: Parish, sources: FakeSources
) -> None:
    sources.csv = FACTS_CSV
    export = f"{sources.url}/spreadsheets/d/sheet-1/export?format=csv&gid=0"
    mapping = parish.mapping(
        f'[source]\nname = "drive"\nkind = "google_csv"\n[source.google]\nurl = "{export}"\n'
        + FACT_COLUMNS
    )
    assert _counts(await parish.sync(mapping)) == (3, 0, 0, 0)
    sources.shared = False
    with pytest.raises(SourceRefused):
        await parish.sync(mapping)


FAMILIES_CSV = """Famille ID,Famille,Parents,Prénom,Nom,Groupe,Séances
F1,Famille Lefèvre,Claire Lefèvre; Julien Lefèvre,Léa,Lefèvre,Samuel,\
2026-12-16 17:00-18:00 église; 13/01/2027
F1,Famille Lefèvre,,Hugo,Lefèvre,Éveil,2026-12-13
F2,Famille Nguyen,Linh Nguyen,Thomas,Nguyen,Timothée,2026-12-12 10h
"""
FAMILY_MAPPING = """[source]
name = "inscriptions"
kind = "csv"
[source.file]
path = "familles.csv"
[families]
service = "CATECHESE"
key = "Famille ID"
name = "Famille"
parents = "Parents"
child_first_name = "Prénom"
child_last_name = "Nom"
group = "Groupe"
sessions = "Séances"
"""


async def test_families_are_synced_and_one_gone_from_the_source_loses_its_code(
    parish: Parish,
) -> None:
    (parish.folder / "familles.csv").write_text(FAMILIES_CSV, encoding="utf-8")
    mapping = parish.mapping(FAMILY_MAPPING)
    assert _counts(await parish.sync(mapping)) == (2, 0, 0, 0)
    assert _counts(await parish.sync(mapping)) == (0, 0, 0, 2)
    families = Families(parish.pool, "test-intrinsic-key")
    service_id = await parish.pool.fetchval("SELECT id FROM services WHERE name = 'CATECHESE'")
    lefevre, nguyen = await families.for_service(str(service_id))
    assert lefevre.parents == ["Claire Lefèvre", "Julien Lefèvre"]
    assert [child.first_name for child in lefevre.children] == ["Léa", "Hugo"]
    assert lefevre.children[0].next_sessions[0].end == "18:00"
    assert nguyen.children[0].next_sessions[0].time == "10:00"
    await families.issue_code(nguyen.id)

    (parish.folder / "familles.csv").write_text(
        "\n".join(FAMILIES_CSV.splitlines()[:3]) + "\n", encoding="utf-8"
    )
    assert _counts(await parish.sync(mapping)) == (0, 0, 1, 1)
    codes = await parish.pool.fetchval("SELECT count(*) FROM user_services")
    assert codes == 0
