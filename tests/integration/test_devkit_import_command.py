"""``concierge import``: a dry run reports and writes nothing, a run writes, a second run
reports no change; progress goes to stderr, the report to stdout."""

from __future__ import annotations

from pathlib import Path

import pytest

from concierge_common.contracts.store_api import ServiceWrite
from concierge_devkit import importer
from concierge_devkit.cli import build_parser
from store.catalog import Catalog
from support.store_db import migrated_pool

MAPPING = """[source]
name = "annonces"
kind = "csv"
[source.file]
path = "annonces.csv"
[facts]
key = "id"
title = "Titre"
content = "Texte"
default_service = "RENSEIGNEMENT"
"""


async def _imported(database_url: str) -> int:
    async with migrated_pool(database_url) as pool:
        count: int = await pool.fetchval(
            "SELECT count(*) FROM service_infos WHERE import_source = 'annonces'"
        )
        return count


async def test_import_dry_run_then_run_then_nothing_to_do(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with migrated_pool(database_url) as pool:
        await Catalog(pool).create(ServiceWrite(name="RENSEIGNEMENT"))
    (tmp_path / "annonces.csv").write_text(
        "id,Titre,Texte\n1,Messe,Dimanche à 10 h 30.\n2,Accueil,Du lundi au vendredi.\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "annonces.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    command = ["import", str(mapping), "--database-url", database_url]

    assert await importer.run(build_parser().parse_args([*command, "--dry-run"])) == 0
    dry = capsys.readouterr()
    assert "2 added, 0 changed, 0 retired" in dry.out
    assert "dry run" in dry.out
    assert "2/2 writing" in dry.err
    assert await _imported(database_url) == 0

    assert await importer.run(build_parser().parse_args(command)) == 0
    assert "2 added" in capsys.readouterr().out
    assert await _imported(database_url) == 2

    assert await importer.run(build_parser().parse_args(command)) == 0
    assert "0 added, 0 changed, 0 retired, 2 unchanged" in capsys.readouterr().out


async def test_import_of_a_broken_mapping_exits_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = tmp_path / "broken.toml"
    mapping.write_text('[source]\nname = "x"\nkind = "ftp"\n', encoding="utf-8")
    args = build_parser().parse_args(["import", str(mapping), "--database-url", "postgresql://x"])
    assert await importer.run(args) == 2
    assert "broken.toml" in capsys.readouterr().err
