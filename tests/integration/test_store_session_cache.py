"""The Redis session cache: reads go through it, writes keep it consistent, and a Redis
that is down costs nothing but the cache."""

from __future__ import annotations

import logging

import pytest

from concierge_common.contracts.store_api import SessionUpdate
from store.expiry import ExpiryJob
from support.store_sessions import CLOSED_REDIS_URL, SessionStore, session_store

PERSON = "33600000201@c.us"


async def test_a_get_after_the_first_is_answered_from_the_cache(store: SessionStore) -> None:
    session = await store.sessions.open(PERSON)
    await store.redis.delete(store.cache.session_key(session.id))
    first = await store.sessions.get(session.id)
    # Changed behind the store's back: only a cached copy still shows the old state.
    await store.pool.execute("UPDATE sessions SET state = '{\"x\": 1}' WHERE id = $1", session.id)
    second = await store.sessions.get(session.id)
    assert await store.redis.exists(store.cache.session_key(session.id))
    assert first.state == {}
    assert second.state == {}


async def test_the_get_after_an_update_returns_the_updated_session(store: SessionStore) -> None:
    session = await store.sessions.open(PERSON)
    before = await store.sessions.get(session.id)  # cached
    await store.sessions.update(SessionUpdate(id=session.id, state={"step": "age"}))
    after = await store.sessions.get(session.id)
    assert before.state == {}
    assert after.state == {"step": "age"}


async def test_a_reader_cannot_put_back_a_copy_older_than_the_last_write(
    store: SessionStore,
) -> None:
    session = await store.sessions.open(PERSON)
    old = await store.sessions.get(session.id)
    await store.sessions.update(SessionUpdate(id=session.id, status="awaiting_input"))
    await store.cache.fill(old)  # a read that started before the update finishes after it
    assert (await store.sessions.get(session.id)).status == "awaiting_input"


async def test_a_cached_copy_never_says_it_was_just_created(store: SessionStore) -> None:
    opened = await store.sessions.open(PERSON)
    assert opened.created is True
    assert (await store.sessions.get(opened.id)).created is False


async def test_erasure_drops_everything_cached_about_the_person(store: SessionStore) -> None:
    session = await store.sessions.open(PERSON)
    await store.sessions.get(session.id)
    await store.cache.invalidate_for_erasure(session.user_id, [session.id])
    assert not await store.redis.exists(store.cache.session_key(session.id))
    assert not await store.redis.exists(store.cache.user_key(session.user_id))


async def test_a_copy_written_late_does_not_bring_an_erased_person_back(
    store: SessionStore,
) -> None:
    session = await store.sessions.open(PERSON)
    read_before = await store.sessions.get(session.id)  # a read or write under way...
    await store.cache.invalidate_for_erasure(session.user_id, [session.id])
    await store.cache.put(read_before)  # ...that finishes after the erasure
    await store.cache.fill(read_before)
    assert not await store.redis.exists(store.cache.session_key(session.id))
    assert not await store.redis.exists(store.cache.user_key(session.user_id))


async def test_invalidating_a_person_follows_the_pointer_to_their_open_session(
    store: SessionStore,
) -> None:
    session = await store.sessions.open(PERSON)
    assert await store.redis.get(store.cache.user_key(session.user_id)) == session.id.encode()
    await store.cache.invalidate_user(session.user_id)
    assert not await store.redis.exists(store.cache.session_key(session.id))


async def test_with_redis_down_every_operation_works_from_postgres(
    database_url: str, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="store.session_cache")
    async with session_store(database_url, namespace, redis_url=CLOSED_REDIS_URL) as store:
        opened = await store.sessions.open(PERSON)
        again = await store.sessions.open(PERSON)
        updated = await store.sessions.update(SessionUpdate(id=opened.id, state={"n": 1}))
        fetched = await store.sessions.get(opened.id)
        await store.make_stale(opened.id)
        expired = await ExpiryJob(store.pool, store.cache, interval_seconds=60).run_once()
        await store.cache.invalidate_for_erasure(opened.user_id, [opened.id])
    assert again.id == opened.id
    assert updated.state == {"n": 1}
    assert fetched.state == {"n": 1}
    assert expired == [opened.id]
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert warnings
    assert all("using postgres" in record.getMessage() for record in warnings)
