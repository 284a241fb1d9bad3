"""The seed: idempotent, time-windowed facts, demo families with hashed codes, its command."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import msgspec
import pytest

from concierge_common.errors import ConfigError
from store import seed
from store.catalog import Catalog
from store.codes import hash_code
from store.families import Families
from store.infos import Infos
from support.store_db import migrated_pool

KEY = "test-intrinsic-key-of-at-least-32-bytes"
_TABLES = ("services", "service_contexts", "service_infos", "user_services", "families")


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with migrated_pool(database_url) as pool:
        yield pool


async def _counts(pool: asyncpg.Pool) -> dict[str, int]:
    return {
        table: await pool.fetchval(f"SELECT count(*) FROM {table}")  # noqa: S608
        for table in _TABLES
    }


async def _titles_valid_at(pool: asyncpg.Pool, moment: datetime) -> set[str]:
    service = await Catalog(pool).get_by_name("RENSEIGNEMENT")
    return {info.title for info in await Infos(pool).for_service(service.id, valid_at=moment)}


async def test_seeding_twice_changes_nothing_the_second_time(
    pool: asyncpg.Pool, database_url: str
) -> None:
    first = await seed.seed_database(database_url, KEY, seed.load())
    counts = await _counts(pool)
    stamps = await pool.fetch("SELECT id, updated_at FROM services ORDER BY id")

    second = await seed.seed_database(database_url, KEY, seed.load())

    assert first.changed
    assert (first.services_created, first.contexts_created, first.families_created) == (3, 3, 2)
    assert not second.changed
    assert await _counts(pool) == counts
    assert await pool.fetch("SELECT id, updated_at FROM services ORDER BY id") == stamps


async def test_the_seed_holds_enough_facts(pool: asyncpg.Pool, database_url: str) -> None:
    await seed.seed_database(database_url, KEY, seed.load())
    per_service = dict(
        await pool.fetch(
            "SELECT s.name, count(*) FROM service_infos i JOIN services s ON s.id = i.service_id"
            " GROUP BY s.name"
        )
    )
    assert per_service["RENSEIGNEMENT"] >= 20
    assert per_service["CATECHESE"] >= 6


async def test_an_expired_fact_is_not_valid_now(pool: asyncpg.Pool, database_url: str) -> None:
    await seed.seed_database(database_url, KEY, seed.load())
    now = await _titles_valid_at(pool, datetime.now(UTC))
    assert "Messes de l'été 2026" not in now
    assert "Accueil paroissial : permanences" in now  # unbounded: always valid
    summer = await _titles_valid_at(pool, datetime(2026, 8, 15, tzinfo=UTC))
    assert "Messes de l'été 2026" in summer
    assert "Messes du dimanche" not in summer


async def test_a_future_fact_becomes_valid_in_its_window(
    pool: asyncpg.Pool, database_url: str
) -> None:
    await seed.seed_database(database_url, KEY, seed.load())
    november = await _titles_valid_at(pool, datetime(2026, 11, 25, tzinfo=UTC))
    palm_sunday = await _titles_valid_at(pool, datetime(2027, 3, 21, 9, tzinfo=UTC))
    assert "Semaine sainte et Pâques 2027" not in november
    assert "Messes de Noël 2026" not in november
    assert "Semaine sainte et Pâques 2027" in palm_sunday


async def test_the_demo_families_are_provisioned_with_hashed_codes(
    pool: asyncpg.Pool, database_url: str
) -> None:
    await seed.seed_database(database_url, KEY, seed.load())
    catechese = await Catalog(pool).get_by_name("CATECHESE")
    row = await pool.fetchrow(
        "SELECT user_id, role, attributes FROM user_services"
        " WHERE service_id = $1 AND intrinsic_id = $2",
        catechese.id,
        hash_code(KEY, catechese.id, " sm 4821"),
    )
    assert row is not None
    assert (row["user_id"], row["role"]) == (None, "parent")
    assert [child["first_name"] for child in row["attributes"]["children"]] == ["Léa", "Hugo"]
    nguyen = await pool.fetchval(
        "SELECT attributes FROM user_services WHERE intrinsic_id = $1",
        hash_code(KEY, catechese.id, "SM-7390"),
    )
    assert nguyen["family"] == "Famille Nguyen"


async def test_the_demo_families_are_records_listed_as_the_admin_api_lists_them(
    pool: asyncpg.Pool, database_url: str
) -> None:
    await seed.seed_database(database_url, KEY, seed.load())
    catechese = await Catalog(pool).get_by_name("CATECHESE")
    families = await Families(pool, KEY).for_service(catechese.id)
    assert [(f.name, f.has_code, f.import_source) for f in families] == [
        ("Famille Lefèvre", True, None),
        ("Famille Nguyen", True, None),
    ]
    lefevre = families[0]
    assert lefevre.parents == ["Claire Lefèvre", "Julien Lefèvre"]
    assert [child.first_name for child in lefevre.children] == ["Léa", "Hugo"]
    assert lefevre.children[0].next_sessions[2].place == "église Saint-Martin"
    code_row = await pool.fetchrow(
        "SELECT family_id, attributes FROM user_services WHERE intrinsic_id = $1",
        hash_code(KEY, catechese.id, "SM-4821"),
    )
    assert str(code_row["family_id"]) == lefevre.id
    stored = await pool.fetchval("SELECT record FROM families WHERE id = $1", lefevre.id)
    assert code_row["attributes"] == stored


async def test_a_database_seeded_before_families_were_records_gets_them_once(
    pool: asyncpg.Pool, database_url: str
) -> None:
    data = seed.load()
    await seed.seed_database(database_url, KEY, data)
    # As the seed left it before: code rows without a family record.
    await pool.execute("UPDATE user_services SET family_id = NULL")
    await pool.execute("DELETE FROM families")

    report = await seed.seed_database(database_url, KEY, data)

    assert (report.families_created, report.families_updated) == (2, 0)
    assert await pool.fetchval("SELECT count(*) FROM user_services WHERE family_id IS NULL") == 0
    assert await pool.fetchval("SELECT count(*) FROM user_services") == 2
    assert not (await seed.seed_database(database_url, KEY, data)).changed


async def test_a_revoked_demo_code_is_provisioned_again_for_the_same_record(
    pool: asyncpg.Pool, database_url: str
) -> None:
    await seed.seed_database(database_url, KEY, seed.load())
    catechese = await Catalog(pool).get_by_name("CATECHESE")
    families = Families(pool, KEY)
    nguyen = (await families.for_service(catechese.id))[1]
    await families.revoke_code(nguyen.id)

    report = await seed.seed_database(database_url, KEY, seed.load())

    assert (report.families_created, report.families_updated) == (0, 1)
    again = await families.get(nguyen.id)
    assert again.has_code
    assert await pool.fetchval("SELECT count(*) FROM families") == 2


def test_a_seed_family_the_admin_api_would_refuse_is_a_config_error() -> None:
    data = msgspec.json.decode(
        msgspec.json.encode(msgspec.to_builtins(seed.load())), type=dict[str, object]
    )
    families = data["families"]
    assert isinstance(families, list)
    families[0]["attributes"]["children"][0]["next_sessions"] = ["le 31 février"]
    with pytest.raises(ConfigError, match="Famille Lefèvre"):
        seed.load(msgspec.json.encode(data))


async def test_a_changed_prompt_or_fact_is_reseeded(pool: asyncpg.Pool, database_url: str) -> None:
    data = seed.load()
    await seed.seed_database(database_url, KEY, data)
    first = data.services[0]
    changed_service = msgspec.structs.replace(
        first,
        context=msgspec.structs.replace(first.context, system_prompt="Nouvelle consigne."),
        infos=[
            msgspec.structs.replace(first.infos[0], content="Nouvelle adresse."),
            *first.infos[1:],
        ],
    )
    changed = msgspec.structs.replace(data, services=[changed_service, *data.services[1:]])

    report = await seed.seed_database(database_url, KEY, changed)

    assert (report.contexts_created, report.infos_updated, report.infos_created) == (1, 1, 0)
    versions = await pool.fetchval(
        "SELECT max(version) FROM service_contexts c JOIN services s ON s.id = c.service_id"
        " WHERE s.name = $1",
        first.name,
    )
    assert versions == 2


async def _run_command(command: str, environment: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "store",
        command,
        env={"PATH": os.environ.get("PATH", ""), **environment},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


async def test_the_seed_command_needs_only_the_database_and_the_key(database_url: str) -> None:
    environment = {"DATABASE_URL": database_url, "INTRINSIC_ID_KEY": KEY}
    code, output = await _run_command("seed", environment)
    assert code == 0, output
    assert "seed applied" in output
    code, output = await _run_command("seed", environment)
    assert (code, "already up to date" in output) == (0, True), output


async def test_the_migrate_command_needs_only_the_database(database_url: str) -> None:
    code, output = await _run_command("migrate", {"DATABASE_URL": database_url})
    assert code == 0, output
    assert "0002_core_schema" in output


async def test_the_seed_command_names_a_missing_key(database_url: str) -> None:
    code, output = await _run_command("seed", {"DATABASE_URL": database_url})
    assert code == 2
    assert "INTRINSIC_ID_KEY" in output
