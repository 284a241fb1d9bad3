"""The expiry job: ends only stale active/awaiting_input sessions, once each even when
replicas run it together, drops their cached copies, and keeps running through errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from concierge_common.contracts.store_api import SessionStatus, SessionUpdate
from store.expiry import ExpiryJob
from support.polling import HANG_GUARD
from support.store_sessions import SessionStore


def _job(store: SessionStore, *, interval: float = 60.0) -> ExpiryJob:
    return ExpiryJob(store.pool, interval_seconds=interval)


async def _session(store: SessionStore, number: int, status: SessionStatus = "active") -> str:
    session = await store.sessions.open(f"336000003{number:02d}@c.us")
    if status != "active":
        await store.sessions.update(SessionUpdate(id=session.id, status=status))
    return session.id


async def test_the_job_expires_only_stale_active_and_awaiting_input_sessions(
    store: SessionStore,
) -> None:
    stale_active = await _session(store, 1)
    stale_waiting = await _session(store, 2, "awaiting_input")
    stale_handoff = await _session(store, 3, "handoff")
    stale_closed = await _session(store, 4, "closed")
    fresh = await _session(store, 5)
    for session_id in (stale_active, stale_waiting, stale_handoff, stale_closed):
        await store.make_stale(session_id)
    expired = await _job(store).run_once()
    assert sorted(expired) == sorted([stale_active, stale_waiting])
    statuses = {
        sid: (await store.row(sid))["status"] for sid in (stale_handoff, stale_closed, fresh)
    }
    assert statuses == {stale_handoff: "handoff", stale_closed: "closed", fresh: "active"}
    for session_id in expired:
        assert (await store.row(session_id))["ended_at"] is not None
    assert await _job(store).run_once() == []


async def test_a_session_the_job_expired_is_read_as_expired(store: SessionStore) -> None:
    session_id = await _session(store, 1)
    assert (await store.sessions.get(session_id)).status == "active"
    await store.make_stale(session_id)
    await _job(store).run_once()
    assert (await store.sessions.get(session_id)).status == "expired"


async def test_two_concurrent_runs_expire_each_session_once(store: SessionStore) -> None:
    stale = [await _session(store, number) for number in range(30)]
    for session_id in stale:
        await store.make_stale(session_id)
    first, second = await asyncio.gather(_job(store).run_once(), _job(store).run_once())
    assert sorted(first + second) == sorted(stale)
    assert not set(first) & set(second)


async def test_the_loop_keeps_running_after_failed_runs_and_stops_cleanly(
    store: SessionStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="store.expiry")
    session_id = await _session(store, 1)
    await store.make_stale(session_id)
    await store.pool.execute("ALTER TABLE sessions RENAME TO sessions_away")  # runs now fail
    job = _job(store, interval=0.05)
    job.start()
    try:
        await _until(lambda: _failures(caplog) >= 2)
        assert job.running
        await store.pool.execute("ALTER TABLE sessions_away RENAME TO sessions")
        await _until_expired(store, session_id)
    finally:
        await job.stop()
    assert job.running is False


def _failures(caplog: pytest.LogCaptureFixture) -> int:
    return sum("expiry run failed" in record.getMessage() for record in caplog.records)


async def _until(condition: Callable[[], bool], timeout: float = HANG_GUARD) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def _until_expired(store: SessionStore, session_id: str, timeout: float = HANG_GUARD) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while (await store.row(session_id))["status"] != "expired":
        assert asyncio.get_running_loop().time() < deadline, "the job did not expire the session"
        await asyncio.sleep(0.02)
