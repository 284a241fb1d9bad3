"""What became of each reply: sent (never moved backwards), or refused for good and kept."""

from __future__ import annotations

import uuid

from concierge_common.contracts.messages import ReplyFailed, ReplySent
from store.recorder import Recorder
from support.store_recording import deliver, delivery_status
from support.store_sessions import SessionStore

PERSON = "33600000901@c.us"
STAFF_GROUP = "120363000000000901@g.us"


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


async def test_a_reply_waha_accepted_is_marked_sent(
    store: SessionStore, recorder: Recorder
) -> None:
    await deliver(recorder, sent("true_x_AAA"))
    status = await delivery_status(store, "true_x_AAA")
    assert status == "sent"


async def test_a_redelivered_reply_never_moves_its_receipt_backwards(
    store: SessionStore, recorder: Recorder
) -> None:
    event = sent("true_x_BBB")
    await deliver(recorder, event)
    await store.pool.execute(
        "UPDATE interactions SET delivery_status = 'read' WHERE provider_message_id = $1",
        "true_x_BBB",
    )
    await deliver(recorder, event, times=2)
    status = await delivery_status(store, "true_x_BBB")
    assert status == "read"


async def test_a_refused_reply_is_kept_in_the_persons_session_as_failed(
    store: SessionStore, recorder: Recorder
) -> None:
    event = refused()
    await deliver(recorder, event, times=3)
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
    await deliver(recorder, refused(reason="x" * 500))
    error = await store.pool.fetchval("SELECT delivery_error FROM interactions")
    assert error == "x" * 200


async def test_a_refused_message_to_the_staff_group_is_not_recorded(
    store: SessionStore, recorder: Recorder
) -> None:
    await deliver(recorder, refused(STAFF_GROUP))
    assert await store.pool.fetchval("SELECT count(*) FROM interactions") == 0
