"""People and their WhatsApp aliases: found, created once under a race, linked."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from concierge_common.errors import Conflict, InvalidRequest, NotFound
from store.users import Users
from support.store_db import TEST_TOMBSTONES, migrated_pool

PHONE = "33612345678@c.us"
LID = "987654321012345@lid"


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with migrated_pool(database_url, max_size=8) as pool:
        yield pool


async def test_a_new_whatsapp_id_creates_a_user_with_that_alias(pool: asyncpg.Pool) -> None:
    users = Users(pool, TEST_TOMBSTONES)
    user_id = await users.resolve(pool, PHONE, "Marie")
    user = await users.get(user_id)
    assert user.whatsapp_ids == [PHONE]
    assert user.name == "Marie"
    assert user.is_active


async def test_a_known_whatsapp_id_resolves_to_the_same_user(pool: asyncpg.Pool) -> None:
    users = Users(pool, TEST_TOMBSTONES)
    first = await users.resolve(pool, PHONE)
    assert await users.resolve(pool, PHONE, "Marie") == first
    assert await pool.fetchval("SELECT count(*) FROM users") == 1
    assert (await users.get(first)).name == "Marie"  # an empty name is filled in


async def test_a_known_name_is_not_replaced_by_a_later_push_name(pool: asyncpg.Pool) -> None:
    users = Users(pool, TEST_TOMBSTONES)
    user_id = await users.resolve(pool, PHONE, "Marie")
    await users.resolve(pool, PHONE, "Mimi")
    assert (await users.get(user_id)).name == "Marie"


async def test_concurrent_first_messages_of_one_id_create_one_user(pool: asyncpg.Pool) -> None:
    users = Users(pool, TEST_TOMBSTONES)
    ids = await asyncio.gather(*(users.resolve(pool, PHONE, "Marie") for _ in range(8)))
    assert len(set(ids)) == 1
    assert await pool.fetchval("SELECT count(*) FROM users") == 1


async def test_only_the_resolve_that_created_a_person_says_it_created_them(
    pool: asyncpg.Pool,
) -> None:
    users = Users(pool, TEST_TOMBSTONES)
    people = await asyncio.gather(*(users.resolve_person(pool, PHONE, "Marie") for _ in range(8)))
    assert len({person.id for person in people}) == 1
    assert sum(person.created for person in people) == 1
    again = await users.resolve_person(pool, PHONE)
    assert (again.id, again.created) == (people[0].id, False)


async def test_a_known_person_writing_from_a_new_alias_is_not_created_again(
    pool: asyncpg.Pool,
) -> None:
    users = Users(pool, TEST_TOMBSTONES)
    first = await users.resolve_person(pool, PHONE)
    assert first.created
    later = await users.resolve_person(pool, LID, aliases=[PHONE])
    assert (later.id, later.created) == (first.id, False)
    assert sorted((await users.get(first.id)).whatsapp_ids) == sorted([PHONE, LID])


async def test_resolve_runs_inside_the_callers_transaction(pool: asyncpg.Pool) -> None:
    users = Users(pool, TEST_TOMBSTONES)
    async with pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        user_id = await users.resolve(conn, PHONE)
        assert await conn.fetchval("SELECT count(*) FROM users WHERE id = $1", user_id) == 1
        await transaction.rollback()
    assert await pool.fetchval("SELECT count(*) FROM users") == 0


async def test_a_malformed_whatsapp_id_is_refused(pool: asyncpg.Pool) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await Users(pool, TEST_TOMBSTONES).resolve(pool, "not-a-whatsapp-id")
    assert caught.value.status == 422
    assert await pool.fetchval("SELECT count(*) FROM users") == 0


async def test_a_second_alias_is_linked_to_the_same_user(pool: asyncpg.Pool) -> None:
    users = Users(pool, TEST_TOMBSTONES)
    user_id = await users.resolve(pool, PHONE)
    linked = await users.link_alias(user_id, LID)
    assert sorted(linked.whatsapp_ids) == sorted([PHONE, LID])
    assert await users.resolve(pool, LID) == user_id
    assert (await users.link_alias(user_id, LID)).whatsapp_ids == linked.whatsapp_ids


async def test_linking_someone_elses_alias_is_a_conflict(pool: asyncpg.Pool) -> None:
    users = Users(pool, TEST_TOMBSTONES)
    owner = await users.resolve(pool, LID)
    other = await users.resolve(pool, PHONE)
    with pytest.raises(Conflict):
        await users.link_alias(other, LID)
    assert (await users.get(owner)).whatsapp_ids == [LID]


async def test_linking_to_an_unknown_user_is_not_found(pool: asyncpg.Pool) -> None:
    with pytest.raises(NotFound):
        await Users(pool, TEST_TOMBSTONES).link_alias(str(uuid.uuid4()), LID)
    assert await pool.fetchval("SELECT count(*) FROM user_whatsapp_ids") == 0


async def test_an_unknown_user_is_not_found(pool: asyncpg.Pool) -> None:
    with pytest.raises(NotFound):
        await Users(pool, TEST_TOMBSTONES).get(str(uuid.uuid4()))
