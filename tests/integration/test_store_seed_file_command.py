"""``python -m store seed --file PATH``: another parish seeded from its file, or refused early."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import asyncpg

KEY = "test-intrinsic-key-of-at-least-32-bytes"
HELD_BACK_SEED = Path(__file__).resolve().parents[1] / "eval" / "held_back" / "seed.json"


async def _store(*arguments: str, environment: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "store",
        *arguments,
        env={"PATH": os.environ.get("PATH", ""), **environment},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


async def test_the_seed_command_loads_another_parish_from_a_file(database_url: str) -> None:
    environment = {"DATABASE_URL": database_url, "INTRINSIC_ID_KEY": KEY}
    code, output = await _store("seed", "--file", str(HELD_BACK_SEED), environment=environment)
    assert code == 0, output
    assert "seed applied" in output
    connection = await asyncpg.connect(database_url)
    try:
        titles = {row["title"] for row in await connection.fetch("SELECT title FROM service_infos")}
        families = await connection.fetchval("SELECT count(*) FROM user_services")
    finally:
        await connection.close()
    assert "Secrétariat de l'unité pastorale" in titles
    assert "Accueil paroissial : permanences" not in titles  # nothing of the demo parish
    assert families == 3
    code, output = await _store("seed", f"--file={HELD_BACK_SEED}", environment=environment)
    assert (code, "already up to date" in output) == (0, True), output


async def test_a_seed_file_that_cannot_be_read_stops_before_the_database(tmp_path: Path) -> None:
    # No database configured at all: the file is refused first.
    code, output = await _store("seed", "--file", str(tmp_path / "none.json"), environment={})
    assert code == 2
    assert "cannot read the seed file" in output


async def test_a_wrong_seed_option_prints_the_usage() -> None:
    code, output = await _store("seed", "--from", "x.json", environment={})
    assert code == 2
    assert "usage: python -m store [migrate | seed [--file PATH] | purge [--dry-run]]" in output
    code, output = await _store("migrate", "--file", "x.json", environment={})
    assert code == 2
