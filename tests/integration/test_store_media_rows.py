"""A received file's media row: recorded once, linked to its interaction, idempotent."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import asyncpg
import pytest

from concierge_common.contracts.messages import MediaRef
from store.media_rows import MediaRows
from store.users import Users
from support.store_db import TEST_TOMBSTONES, migrated_pool

PHOTO = b"a photo"
SHA = hashlib.sha256(PHOTO).hexdigest()
KEY = f"in/2026/11/{SHA}.jpg"


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with migrated_pool(database_url) as pool:
        yield pool


async def _inbound(pool: asyncpg.Pool, phone: str, provider_message_id: str) -> None:
    user_id = await Users(pool, TEST_TOMBSTONES).resolve(pool, f"{phone}@c.us")
    session_id = await pool.fetchval(
        "INSERT INTO sessions (user_id, expires_at) VALUES ($1, now() + interval '1 hour')"
        " RETURNING id",
        user_id,
    )
    await pool.execute(
        "INSERT INTO interactions (session_id, direction, message_type, provider_message_id)"
        " VALUES ($1, 'in', 'image', $2)",
        session_id,
        provider_message_id,
    )


def _photo(filename: str = "") -> MediaRef:
    return MediaRef(
        url="http://waha/api/files/default/x.jpg",
        mimetype="image/jpeg",
        filename=filename,
        storage_key=KEY,
        size=len(PHOTO),
        sha256=SHA,
    )


async def _linked(pool: asyncpg.Pool) -> dict[str, object]:
    rows = await pool.fetch(
        "SELECT provider_message_id, media_id FROM interactions ORDER BY provider_message_id"
    )
    return {row["provider_message_id"]: row["media_id"] for row in rows}


async def test_a_stored_file_gets_a_media_row_linked_to_its_interaction(
    pool: asyncpg.Pool,
) -> None:
    await _inbound(pool, "33600000801", "default:false_1")

    await MediaRows(pool).attach("default:false_1", _photo("affiche.jpg"))

    row = await pool.fetchrow("SELECT * FROM media")
    assert row is not None
    assert (row["file_path"], row["mime_type"], row["size"], row["sha256"], row["filename"]) == (
        KEY,
        "image/jpeg",
        len(PHOTO),
        SHA,
        "affiche.jpg",
    )
    assert await _linked(pool) == {"default:false_1": row["id"]}


async def test_attaching_again_changes_nothing(pool: asyncpg.Pool) -> None:
    await _inbound(pool, "33600000802", "default:false_2")
    rows = MediaRows(pool)

    await rows.attach("default:false_2", _photo())
    first = await pool.fetch("SELECT * FROM media")
    await rows.attach("default:false_2", _photo())

    assert await pool.fetch("SELECT * FROM media") == first
    assert await _linked(pool) == {"default:false_2": first[0]["id"]}


async def test_the_same_file_sent_by_two_people_shares_one_row(pool: asyncpg.Pool) -> None:
    await _inbound(pool, "33600000803", "default:false_3")
    await _inbound(pool, "33600000804", "default:false_4")
    rows = MediaRows(pool)

    await rows.attach("default:false_3", _photo())
    await rows.attach("default:false_4", _photo())

    media_id = await pool.fetchval("SELECT id FROM media")
    assert await pool.fetchval("SELECT count(*) FROM media") == 1
    assert await _linked(pool) == {"default:false_3": media_id, "default:false_4": media_id}
