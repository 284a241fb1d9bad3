"""What became of each reply: sent (never moved backwards), or refused for good and kept."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from concierge_common.bus.consumer import Delivery
from concierge_common.messages import BusMessage, ReplyFailed, ReplySent
from store.interactions import Interactions
from store.recorder import Ledgers, Recorder
from support.store_sessions import SessionStore, session_store

PERSON = "33600000901@c.us"
STAFF_GROUP = "120363000000000901@g.us"


@pytest.fixture
async def store(database_url: str, namespace: str) -> AsyncIterator[SessionStore]:
    async with session_store(database_url, namespace) as wired:
        yield wired


@pytest.fixture
def recorder(store: SessionStore) -> Recorder:
    kept = Interactions(store.pool, store.users, store.sessions)
    return Recorder(kept, Ledgers.of(store.pool, kept))


def sent(provider_id: str) -> ReplySent:
    return ReplySent(
        message_id=uuid.uuid4().hex, conversation_id="cd" * 16, correlation_id="evt_reply",
        reply_id=uuid.uuid4().hex, session="default", chat_id=PERSON,
        text="La messe est à 10 h 30.", provider_message_id=provider_id,
        provider_message_ids=[provider_id], sent_at=1_700_000_060,
    )  # fmt: skip


def refused(chat_id: str = PERSON, *, reason: str = "timelock") -> ReplyFailed:
    return ReplyFailed(
        message_id=uuid.uuid4().hex, conversation_id="cd" * 16, correlation_id="evt_failed",
        reply_id="reply-" + uuid.uuid4().hex[:8], session="default", chat_id=chat_id,
        text="Le baptême est confirmé.", origin="ai", status=463, reason=reason,
    )  # fmt: skip


async def handle(recorder: Recorder, message: BusMessage, times: int = 1) -> None:
    for attempt in range(1, times + 1):
        await recorder(message, Delivery(attempt=attempt, subject="test", stream_sequence=1))


async def test_a_reply_waha_accepted_is_marked_sent(
    store: SessionStore, recorder: Recorder
) -> None:
    await handle(recorder, sent("true_x_AAA"))
    status = await store.pool.fetchval(
        "SELECT delivery_status FROM interactions WHERE provider_message_id = 'true_x_AAA'"
    )
    assert status == "sent"


async def test_a_redelivered_reply_never_moves_its_receipt_backwards(
    store: SessionStore, recorder: Recorder
) -> None:
    event = sent("true_x_BBB")
    await handle(recorder, event)
    await store.pool.execute(
        "UPDATE interactions SET delivery_status = 'read' WHERE provider_message_id = $1",
        "true_x_BBB",
    )
    await handle(recorder, event, times=2)
    status = await store.pool.fetchval(
        "SELECT delivery_status FROM interactions WHERE provider_message_id = 'true_x_BBB'"
    )
    assert status == "read"


async def test_a_refused_reply_is_kept_in_the_persons_session_as_failed(
    store: SessionStore, recorder: Recorder
) -> None:
    event = refused()
    await handle(recorder, event, times=3)
    rows = await store.pool.fetch("SELECT * FROM interactions")
    assert len(rows) == 1
    row = rows[0]
    assert row["provider_message_id"] == f"failed:{event.reply_id}"
    assert (row["direction"], row["origin"], row["content"]) == ("out", "ai", event.text)
    assert (row["delivery_status"], row["delivery_error"]) == ("failed", "timelock")
    user = await store.pool.fetchval(
        "SELECT s.user_id FROM sessions s JOIN interactions i ON i.session_id = s.id"
    )
    owner = await store.pool.fetchval(
        "SELECT user_id FROM user_whatsapp_ids WHERE whatsapp_id = $1", PERSON
    )
    assert user == owner


async def test_a_long_reason_is_cut_to_fit(store: SessionStore, recorder: Recorder) -> None:
    await handle(recorder, refused(reason="x" * 500))
    error = await store.pool.fetchval("SELECT delivery_error FROM interactions")
    assert error == "x" * 200


async def test_a_refused_message_to_the_staff_group_is_not_recorded(
    store: SessionStore, recorder: Recorder
) -> None:
    await handle(recorder, refused(STAFF_GROUP))
    assert await store.pool.fetchval("SELECT count(*) FROM interactions") == 0
