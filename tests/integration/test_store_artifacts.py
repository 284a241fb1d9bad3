"""A reply sent with a file is recorded with its media row and, for an artifact, an
``artifacts`` row of the person's session: once, however often it is delivered."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import msgspec
import pytest

from concierge_common.contracts.messages import Attachment, ReplySent
from store.recorder import Recorder
from support.store_recording import deliver
from support.store_sessions import SessionStore

PHONE = "33600000501@c.us"
DATA = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
SHA = hashlib.sha256(DATA).hexdigest()
KEY = f"out/2026/12/{SHA}.ics"


@pytest.fixture(autouse=True)
async def catechese(store: SessionStore) -> None:
    await store.pool.execute("INSERT INTO services (name) VALUES ('CATECHESE')")


CALENDAR = Attachment(
    storage_key=KEY,
    mimetype="text/calendar",
    filename="catechese-lefevre.ics",
    size=len(DATA),
    sha256=SHA,
    artifact_type="ics",
    service="CATECHESE",
    content={"children": ["Léa", "Hugo"], "events": 4},
)


def _calendar(**changes: Any) -> Attachment:
    return msgspec.structs.replace(CALENDAR, **changes)


def _reply(attachment: Attachment | None, *, provider_message_id: str = "") -> ReplySent:
    return ReplySent(
        message_id=uuid.uuid4().hex,
        conversation_id="ef" * 16,
        correlation_id="evt_file",
        reply_id=uuid.uuid4().hex,
        session="default",
        chat_id=PHONE,
        text="Voici les 4 prochaines séances de catéchisme de Léa et Hugo.",
        origin="ai",
        provider_message_id=provider_message_id or f"true_{PHONE}_{uuid.uuid4().hex.upper()}",
        sent_at=1_796_000_000,
        attachment=attachment,
    )


async def test_a_calendar_sent_three_times_is_one_media_row_and_one_artifact(
    store: SessionStore, recorder: Recorder
) -> None:
    reply = _reply(_calendar())
    await deliver(recorder, reply, times=3)

    [media] = await store.pool.fetch("SELECT * FROM media")
    assert (media["file_path"], media["mime_type"]) == (KEY, "text/calendar")
    assert (media["size"], media["sha256"], media["filename"]) == (
        len(DATA),
        SHA,
        "catechese-lefevre.ics",
    )
    [artifact] = await store.pool.fetch("SELECT * FROM artifacts")
    [interaction] = await store.pool.fetch("SELECT * FROM interactions")
    assert artifact["session_id"] == interaction["session_id"]
    assert artifact["media_id"] == media["id"] == interaction["media_id"]
    assert artifact["type"] == "ics"
    assert artifact["content"] == {"children": ["Léa", "Hugo"], "events": 4}
    service = await store.pool.fetchval("SELECT id FROM services WHERE name = 'CATECHESE'")
    assert artifact["service_id"] == service


async def test_the_same_file_sent_again_reuses_its_media_row(
    store: SessionStore, recorder: Recorder
) -> None:
    await deliver(recorder, _reply(_calendar()))
    await deliver(recorder, _reply(_calendar()))

    assert await store.pool.fetchval("SELECT count(*) FROM media") == 1
    assert await store.pool.fetchval("SELECT count(*) FROM interactions") == 2
    assert await store.pool.fetchval("SELECT count(DISTINCT media_id) FROM interactions") == 1
    assert await store.pool.fetchval("SELECT count(*) FROM artifacts") == 1  # same session


async def test_a_file_that_is_no_artifact_gets_only_its_media_row(
    store: SessionStore, recorder: Recorder
) -> None:
    await deliver(recorder, _reply(_calendar(artifact_type="", service="", content={})))

    assert await store.pool.fetchval("SELECT count(*) FROM media") == 1
    assert await store.pool.fetchval("SELECT count(*) FROM artifacts") == 0


async def test_an_artifact_without_a_checksum_is_still_recorded_without_media(
    store: SessionStore, recorder: Recorder
) -> None:
    await deliver(recorder, _reply(_calendar(sha256="")), times=2)

    assert await store.pool.fetchval("SELECT count(*) FROM media") == 0
    [artifact] = await store.pool.fetch("SELECT * FROM artifacts")
    assert artifact["media_id"] is None
    assert artifact["file_url"] == KEY
