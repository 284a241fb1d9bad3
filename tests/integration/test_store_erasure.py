"""Privacy erasure removes one person's rows and media files, and nobody else's."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from concierge_common.contracts.store_api import RoleWrite, ServiceWrite
from concierge_common.errors import NotFound
from concierge_common.storage.media_storage import LocalMediaStorage
from store.catalog import Catalog
from store.erasure import ErasedPerson, Erasure
from store.roles import Roles
from store.users import Users
from support.store_db import TEST_TOMBSTONES, migrated_pool

_TABLES = (
    "users",
    "user_whatsapp_ids",
    "sessions",
    "interactions",
    "artifacts",
    "media",
    "user_services",
)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with migrated_pool(database_url) as pool:
        yield pool


@dataclass
class Person:
    user_id: str
    session_id: str
    files: list[Path]


async def _media(pool: asyncpg.Pool, root: Path, name: str) -> tuple[uuid.UUID, Path]:
    path = root / "2026" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(name.encode())
    media_id = await pool.fetchval(
        "INSERT INTO media (filename, file_path, mime_type, size, sha256)"
        " VALUES ($1, $2, 'image/jpeg', $3, $4) RETURNING id",
        name,
        f"2026/{name}",
        len(name),
        hashlib.sha256(name.encode()).hexdigest(),
    )
    return media_id, path


async def _person(pool: asyncpg.Pool, root: Path, phone: str, service_id: str) -> Person:
    """A person with two aliases, a session, a photo sent, an artifact with a file, a role."""
    users = Users(pool, TEST_TOMBSTONES)
    user_id = await users.resolve(pool, f"{phone}@c.us", "Someone")
    await users.link_alias(user_id, f"{phone}0@lid")
    session_id = await pool.fetchval(
        "INSERT INTO sessions (user_id, expires_at) VALUES ($1, now() + interval '1 hour')"
        " RETURNING id",
        user_id,
    )
    photo_id, photo = await _media(pool, root, f"{phone}-photo.jpg")
    ics_id, ics = await _media(pool, root, f"{phone}-calendar.ics")
    for n, media_id in ((1, photo_id), (2, None)):
        await pool.execute(
            "INSERT INTO interactions (session_id, direction, content, media_id,"
            " provider_message_id) VALUES ($1, 'in', 'bonjour', $2, $3)",
            session_id,
            media_id,
            f"{phone}-msg-{n}",
        )
    await pool.execute(
        "INSERT INTO artifacts (session_id, type, media_id) VALUES ($1, 'ics', $2)",
        session_id,
        ics_id,
    )
    await Roles(pool, "k").grant(RoleWrite(user_id=user_id, service_id=service_id, role="parent"))
    return Person(user_id, str(session_id), [photo, ics])


async def _counts(pool: asyncpg.Pool) -> dict[str, int]:
    return {
        table: await pool.fetchval(f"SELECT count(*) FROM {table}")  # noqa: S608
        for table in _TABLES
    }


async def test_erasure_removes_the_persons_rows_and_files_only(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    service_id = (await Catalog(pool).create(ServiceWrite(name="CATECHESE"))).id
    erased = await _person(pool, tmp_path, "33611111111", service_id)
    kept = await _person(pool, tmp_path, "33622222222", service_id)
    calls: list[tuple[str, list[str], list[str]]] = []

    async def after_erase(person: ErasedPerson) -> None:
        calls.append((person.user_id, person.session_ids, sorted(person.whatsapp_ids)))

    report = await Erasure(
        pool, LocalMediaStorage(tmp_path), TEST_TOMBSTONES, after_erase=after_erase
    ).erase_user(erased.user_id)

    assert report.rows == {
        "users": 1,
        "user_whatsapp_ids": 2,
        "sessions": 1,
        "interactions": 2,
        "artifacts": 1,
        "media": 2,
        "user_services": 1,
    }
    assert report.media_files == 2
    assert not any(path.exists() for path in erased.files)
    assert all(path.exists() for path in kept.files)
    aliases = ["336111111110@lid", "33611111111@c.us"]
    assert calls == [(erased.user_id, [erased.session_id], aliases)]
    assert await _counts(pool) == {
        "users": 1,
        "user_whatsapp_ids": 2,
        "sessions": 1,
        "interactions": 2,
        "artifacts": 1,
        "media": 2,
        "user_services": 1,
    }
    assert (await Users(pool, TEST_TOMBSTONES).get(kept.user_id)).whatsapp_ids


async def test_erasing_an_unknown_person_is_not_found(pool: asyncpg.Pool, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        await Erasure(pool, LocalMediaStorage(tmp_path), TEST_TOMBSTONES).erase_user(
            str(uuid.uuid4())
        )


async def test_a_media_path_escaping_the_media_folder_is_not_deleted(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    root = tmp_path / "media"
    root.mkdir()
    outside = tmp_path / "precious.txt"
    outside.write_text("not the person's")
    user_id = await Users(pool, TEST_TOMBSTONES).resolve(pool, "33633333333@c.us")
    session_id = await pool.fetchval(
        "INSERT INTO sessions (user_id, expires_at) VALUES ($1, now()) RETURNING id", user_id
    )
    media_id = await pool.fetchval(
        "INSERT INTO media (file_path, mime_type, size, sha256)"
        " VALUES ('../precious.txt', 'text/plain', 1, $1) RETURNING id",
        "0" * 64,
    )
    await pool.execute(
        "INSERT INTO interactions (session_id, direction, media_id, provider_message_id)"
        " VALUES ($1, 'in', $2, 'm1')",
        session_id,
        media_id,
    )

    report = await Erasure(pool, LocalMediaStorage(root), TEST_TOMBSTONES).erase_user(user_id)

    assert outside.read_text() == "not the person's"
    assert report.media_files == 0
    assert report.rows["media"] == 1
    assert await pool.fetchval("SELECT count(*) FROM media") == 0


async def test_a_failing_after_erase_does_not_undo_the_erasure(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    user_id = await Users(pool, TEST_TOMBSTONES).resolve(pool, "33644444444@c.us")

    async def broken(person: ErasedPerson) -> None:
        raise ConnectionError("redis is down")

    report = await Erasure(
        pool, LocalMediaStorage(tmp_path), TEST_TOMBSTONES, after_erase=broken
    ).erase_user(user_id)
    assert report.rows["users"] == 1
    assert await pool.fetchval("SELECT count(*) FROM users") == 0
