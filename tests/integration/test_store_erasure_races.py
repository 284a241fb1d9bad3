"""Erasure wins against the person's messages still in flight or redelivered (issue 12).

A message written before the erasure and recorded after it, a reply to such a
message, a session opened for it, and JetStream redelivering an old message must
all leave nothing about the erased person; a message the person writes after the
erasure starts a new person who inherits nothing. The interleavings are driven
by row locks the test holds, and waits are for another backend to be seen
waiting on a lock, never for a fixed time.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import msgspec
import pytest
from prometheus_client import REGISTRY

from concierge_common.contracts.messages import (
    Attachment,
    MediaRef,
    MessageReceived,
    ReplyFailed,
    ReplySent,
    written_time,
)
from concierge_common.errors import Erased, NotFound
from concierge_common.storage.media_storage import LocalMediaStorage
from store.erasure import Erasure
from store.media_rows import MediaRows
from store.recorder import Recorder
from store.tombstones import Written
from support.polling import eventually
from support.store_db import TEST_TOMBSTONES
from support.store_recording import deliver, recorder_of
from support.store_sessions import SessionStore

PHONE = "33600000601@c.us"
PHOTO_SHA = hashlib.sha256(b"photo").hexdigest()
PHOTO_KEY = f"in/2026/11/{PHOTO_SHA}.jpg"
ICS_KEY = f"out/2026/11/{hashlib.sha256(b'BEGIN:VCALENDAR').hexdigest()}.ics"
LID = "600000000000601@lid"
# Every table that holds something about a person.
_PERSONAL_TABLES = (
    "users",
    "user_whatsapp_ids",
    "sessions",
    "interactions",
    "media",
    "artifacts",
    "user_services",
    "handoffs",
    "code_attempts",
)


def _inbound(text: str, *, written_at: float | None = None) -> MessageReceived:
    """A message of the person, written at ``written_at`` (now by default)."""
    at = time.time() if written_at is None else written_at
    return MessageReceived(
        message_id=uuid.uuid4().hex,
        conversation_id="ef" * 16,
        correlation_id="evt_" + uuid.uuid4().hex[:8],
        created_at=at,
        session="default",
        chat_id=LID,
        sender_id=LID,
        provider_message_id=f"false_{LID}_{uuid.uuid4().hex.upper()}",
        text=text,
        sent_at=float(int(at)),
        push_name="Marie",
        aliases=[PHONE],
    )


def _reply_to(message: MessageReceived) -> ReplySent:
    """The answer to ``message``, made and sent now."""
    return ReplySent(
        message_id=uuid.uuid4().hex,
        conversation_id=message.conversation_id,
        correlation_id=message.correlation_id,
        reply_id=uuid.uuid4().hex,
        session="default",
        chat_id=message.chat_id,
        text="Les messes ont lieu le dimanche à 10 h 30.",
        in_reply_to=message.provider_message_id,
        provider_message_id=f"true_{message.chat_id}_{uuid.uuid4().hex.upper()}",
        in_reply_to_at=written_time(message),
    )


def _erasure(store: SessionStore, tmp_path: Path) -> Erasure:
    return Erasure(store.pool, LocalMediaStorage(tmp_path), TEST_TOMBSTONES)


async def _user_of(store: SessionStore, whatsapp_id: str) -> str | None:
    owner = await store.pool.fetchval(
        "SELECT user_id FROM user_whatsapp_ids WHERE whatsapp_id = $1", whatsapp_id
    )
    return None if owner is None else str(owner)


async def _rows_left(store: SessionStore) -> dict[str, int]:
    counts = {
        table: await store.pool.fetchval(f"SELECT count(*) FROM {table}")  # noqa: S608
        for table in _PERSONAL_TABLES
    }
    return {table: count for table, count in counts.items() if count}


def _dropped(kind: str) -> float:
    counted = REGISTRY.get_sample_value("concierge_store_erased_dropped_total", {"kind": kind})
    return counted or 0.0


async def _erased_after_first_message(
    store: SessionStore, recorder: Recorder, tmp_path: Path
) -> MessageReceived:
    """The person wrote, was recorded, then erased; returns their first message."""
    first = _inbound("Bonjour")
    await deliver(recorder, first)
    user_id = await _user_of(store, PHONE)
    assert user_id is not None
    await _erasure(store, tmp_path).erase_user(user_id)
    assert await _rows_left(store) == {}
    return first


async def test_a_message_written_before_the_erasure_and_recorded_after_it_leaves_nothing(
    store: SessionStore, recorder: Recorder, tmp_path: Path
) -> None:
    in_flight = _inbound("quels papiers pour un baptême ?")  # written before the erasure
    first = await _erased_after_first_message(store, recorder, tmp_path)
    dropped = _dropped("inbound")

    await deliver(recorder, in_flight)
    await deliver(recorder, first, times=2)  # JetStream redelivers the old one, twice

    assert await _rows_left(store) == {}
    assert _dropped("inbound") == dropped + 3


async def test_a_reply_to_a_message_of_the_erased_person_is_not_recorded(
    store: SessionStore, recorder: Recorder, tmp_path: Path
) -> None:
    first = await _erased_after_first_message(store, recorder, tmp_path)
    reply = _reply_to(first)  # ai answered after the erasure
    refused = ReplyFailed(
        message_id=uuid.uuid4().hex,
        conversation_id=first.conversation_id,
        correlation_id=first.correlation_id,
        reply_id=uuid.uuid4().hex,
        session="default",
        chat_id=LID,
        text="Bonjour !",
        reason="timelock",
        status=463,
        in_reply_to_at=written_time(first),
    )

    await deliver(recorder, reply, refused)

    assert await _rows_left(store) == {}


async def test_a_notice_made_after_the_erasure_does_not_bring_the_person_back(
    store: SessionStore, recorder: Recorder, tmp_path: Path
) -> None:
    await _erased_after_first_message(store, recorder, tmp_path)
    notice = ReplySent(
        message_id=uuid.uuid4().hex,
        conversation_id="ef" * 16,
        correlation_id="evt_notice",
        reply_id=uuid.uuid4().hex,
        session="default",
        chat_id=PHONE,
        text="Un membre de l'accueil va vous répondre.",
        origin="handoff",
    )

    await deliver(recorder, notice)

    assert await _rows_left(store) == {}


async def test_a_session_opened_for_a_message_written_before_the_erasure_is_refused(
    store: SessionStore, recorder: Recorder, tmp_path: Path
) -> None:
    first = await _erased_after_first_message(store, recorder, tmp_path)
    for written in (Written.of_seconds(written_time(first)), Written()):  # known, unknown
        with pytest.raises(Erased):
            await store.sessions.open(LID, "Marie", aliases=[PHONE], written=written)
    assert await _rows_left(store) == {}


async def test_the_person_writing_again_after_the_erasure_is_a_new_person_without_the_past(
    store: SessionStore, recorder: Recorder, tmp_path: Path
) -> None:
    old = _inbound("ma fille s'appelle Jeanne")
    first = await _erased_after_first_message(store, recorder, tmp_path)
    erased_at = await store.pool.fetchval("SELECT max(erased_at) FROM erased_whatsapp_ids")

    again = _inbound("Bonjour, c'est encore moi", written_at=erased_at.timestamp() + 1)
    await deliver(recorder, again)
    await deliver(recorder, old, first)  # still in flight, or redelivered
    await deliver(recorder, _reply_to(old))

    user_id = await _user_of(store, PHONE)
    assert user_id is not None
    assert user_id == await _user_of(store, LID)
    texts = await store.pool.fetch("SELECT content FROM interactions")
    assert [row["content"] for row in texts] == ["Bonjour, c'est encore moi"]
    assert (await _rows_left(store))["sessions"] == 1


async def test_the_file_of_a_message_dropped_after_the_erasure_is_deleted(
    store: SessionStore, tmp_path: Path
) -> None:
    media = LocalMediaStorage(tmp_path)
    recorder = recorder_of(store, media)
    photo = _inbound("voici le certificat")
    ref = MediaRef(mimetype="image/jpeg", storage_key=PHOTO_KEY, size=5, sha256=PHOTO_SHA)
    photo = msgspec.structs.replace(photo, kind="image", media=ref)
    calendar = Attachment(
        storage_key=ICS_KEY, mimetype="text/calendar", filename="c.ics", artifact_type="ics"
    )
    await media.put(PHOTO_KEY, b"photo", "image/jpeg")  # kept by the gateway on arrival
    await media.put(ICS_KEY, b"BEGIN:VCALENDAR", "text/calendar")  # kept by ai
    first = await _erased_after_first_message(store, recorder, tmp_path)

    await deliver(recorder, photo)
    await deliver(recorder, msgspec.structs.replace(_reply_to(first), attachment=calendar))

    assert await _rows_left(store) == {}
    for key in (PHOTO_KEY, ICS_KEY):
        with pytest.raises(NotFound):
            await media.get(key)


async def test_a_file_linked_after_its_message_was_erased_leaves_no_media_row(
    store: SessionStore, recorder: Recorder, tmp_path: Path
) -> None:
    first = await _erased_after_first_message(store, recorder, tmp_path)
    ref = MediaRef(mimetype="image/jpeg", storage_key=PHOTO_KEY, size=5, sha256=PHOTO_SHA)

    linked = await MediaRows(store.pool).attach(f"default:{first.provider_message_id}", ref)

    assert linked is False
    assert await _rows_left(store) == {}


async def test_a_tombstone_keeps_no_whatsapp_id_in_clear(
    store: SessionStore, recorder: Recorder, tmp_path: Path
) -> None:
    await _erased_after_first_message(store, recorder, tmp_path)
    rows = await store.pool.fetch("SELECT id_hash FROM erased_whatsapp_ids ORDER BY id_hash")
    kept = [row["id_hash"] for row in rows]
    assert kept == sorted([TEST_TOMBSTONES.id_hash(PHONE), TEST_TOMBSTONES.id_hash(LID)])
    assert not any("33600000601" in value or "600000000000601" in value for value in kept)


# --- interleavings ----------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _holding(store: SessionStore, lock_sql: str, *args: object) -> AsyncIterator[None]:
    """Hold the row lock of ``lock_sql`` in a transaction of the test's own until exit."""
    conn: asyncpg.Connection = await store.pool.acquire()
    try:
        async with conn.transaction():
            assert await conn.fetchval(lock_sql, *args) is not None
            yield
    finally:
        await store.pool.release(conn)


async def _waiting_for_locks(store: SessionStore, count: int) -> None:
    """Return once ``count`` other backends of the test's database wait for a lock."""

    async def seen() -> bool:
        waiting = await store.pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return bool(waiting >= count)

    await eventually(seen)


async def test_an_erasure_waits_for_a_message_being_recorded_then_erases_it_too(
    store: SessionStore, recorder: Recorder, tmp_path: Path
) -> None:
    await deliver(recorder, _inbound("Bonjour"))
    user_id = await _user_of(store, PHONE)
    assert user_id is not None
    session_lock = "SELECT id FROM sessions WHERE user_id = $1 FOR UPDATE"
    async with _holding(store, session_lock, user_id):
        # The second message is being recorded: it stops at the session the test holds.
        recording = asyncio.create_task(deliver(recorder, _inbound("quels papiers ?")))
        await _waiting_for_locks(store, 1)
        erasing = asyncio.create_task(_erasure(store, tmp_path).erase_user(user_id))
        await _waiting_for_locks(store, 2)
    await recording
    report = await erasing

    assert report.rows["interactions"] == 2
    assert await _rows_left(store) == {}


async def test_a_message_recorded_while_the_erasure_runs_waits_for_it_then_is_dropped(
    store: SessionStore, recorder: Recorder, tmp_path: Path
) -> None:
    await deliver(recorder, _inbound("Bonjour"))
    user_id = await _user_of(store, PHONE)
    assert user_id is not None
    in_flight = _inbound("quels papiers ?")
    person_lock = "SELECT id FROM users WHERE id = $1 FOR KEY SHARE"
    async with _holding(store, person_lock, user_id):
        # The erasure started: it stops at the person the test holds.
        erasing = asyncio.create_task(_erasure(store, tmp_path).erase_user(user_id))
        await _waiting_for_locks(store, 1)
        recording = asyncio.create_task(deliver(recorder, in_flight))
        await _waiting_for_locks(store, 2)
    await erasing
    await recording

    assert await _rows_left(store) == {}
