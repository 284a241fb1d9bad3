"""Every inbound message and every sent reply is stored once, in the open session of
the right person, whichever of their WhatsApp ids they wrote from."""

from __future__ import annotations

import asyncio
import uuid

from concierge_common.bus.consumer import Delivery
from concierge_common.contracts.messages import MessageReceived, ReplySent
from store.recorder import Recorder
from support.store_recording import deliver
from support.store_sessions import SessionStore

PHONE = "33600000401@c.us"
LID = "123456789012345@lid"
OTHER = "33600000402@c.us"


def _inbound(sender: str, text: str = "Bonjour", *, kind: str = "text") -> MessageReceived:
    return MessageReceived(
        message_id=uuid.uuid4().hex,
        conversation_id="cd" * 16,
        correlation_id="evt_" + uuid.uuid4().hex[:8],
        session="default",
        chat_id=sender,
        sender_id=sender,
        provider_message_id=f"false_{sender}_{uuid.uuid4().hex.upper()}",
        kind=kind,
        text=text,
        sent_at=1_700_000_000,
        push_name="Marie",
    )


def _reply(chat: str, *, provider_message_id: str = "") -> ReplySent:
    return ReplySent(
        message_id=uuid.uuid4().hex,
        conversation_id="cd" * 16,
        correlation_id="evt_reply",
        reply_id=uuid.uuid4().hex,
        session="default",
        chat_id=chat,
        text="Les messes ont lieu le dimanche à 10 h 30.",
        origin="ai",
        provider_message_id=provider_message_id,
        sent_at=1_700_000_060,
    )


async def test_an_inbound_message_handled_three_times_is_stored_once(
    store: SessionStore, recorder: Recorder
) -> None:
    message = _inbound(PHONE, "Quels sont les horaires ?", kind="image")
    await deliver(recorder, message, times=3)
    rows = await store.pool.fetch("SELECT * FROM interactions")
    assert len(rows) == 1
    row = rows[0]
    assert row["direction"] == "in"
    assert row["message_type"] == "image"
    assert row["content"] == "Quels sont les horaires ?"
    assert row["provider_message_id"] == f"default:{message.provider_message_id}"
    assert row["correlation_id"] == message.correlation_id
    assert row["occurred_at"].timestamp() == 1_700_000_000


async def test_a_sent_reply_handled_three_times_is_stored_once(
    store: SessionStore, recorder: Recorder
) -> None:
    await deliver(recorder, _inbound(PHONE))
    reply = _reply(PHONE, provider_message_id=f"true_{PHONE}_BBB")
    await deliver(recorder, reply, times=3)
    rows = await store.pool.fetch("SELECT * FROM interactions WHERE direction = 'out'")
    assert len(rows) == 1
    assert rows[0]["provider_message_id"] == f"true_{PHONE}_BBB"
    assert rows[0]["origin"] == "ai"
    assert rows[0]["content"] == reply.text


async def test_a_reply_without_a_provider_id_is_keyed_by_its_reply_id(
    store: SessionStore, recorder: Recorder
) -> None:
    reply = _reply(PHONE)
    await deliver(recorder, reply, times=2)
    keys = await store.pool.fetch("SELECT provider_message_id FROM interactions")
    assert [row["provider_message_id"] for row in keys] == [f"reply:{reply.reply_id}"]


async def test_concurrent_deliveries_of_a_first_message_store_one_row_in_one_session(
    store: SessionStore, recorder: Recorder
) -> None:
    message = _inbound(PHONE)
    delivery = Delivery(attempt=1, subject="test", stream_sequence=1)
    await asyncio.gather(*(recorder(message, delivery) for _ in range(3)))
    assert await store.pool.fetchval("SELECT count(*) FROM interactions") == 1
    assert await store.pool.fetchval("SELECT count(*) FROM sessions") == 1


async def test_each_interaction_goes_into_the_open_session_of_its_person(
    store: SessionStore, recorder: Recorder
) -> None:
    await deliver(recorder, _inbound(PHONE))
    await deliver(recorder, _reply(PHONE))
    await deliver(recorder, _inbound(OTHER))
    await deliver(recorder, _reply(OTHER))
    rows = await store.pool.fetch(
        "SELECT w.whatsapp_id, i.direction, i.session_id FROM interactions i"
        " JOIN sessions s ON s.id = i.session_id"
        " JOIN user_whatsapp_ids w ON w.user_id = s.user_id"
    )
    sessions_of = {(row["whatsapp_id"], row["direction"]): row["session_id"] for row in rows}
    assert len(rows) == 4
    assert sessions_of[(PHONE, "in")] == sessions_of[(PHONE, "out")]
    assert sessions_of[(OTHER, "in")] == sessions_of[(OTHER, "out")]
    assert sessions_of[(PHONE, "in")] != sessions_of[(OTHER, "in")]


async def test_the_phone_and_lid_ids_of_one_person_land_in_one_session(
    store: SessionStore, recorder: Recorder
) -> None:
    user_id = await store.users.resolve(store.pool, PHONE, "Marie")
    await store.users.link_alias(user_id, LID)
    await deliver(recorder, _inbound(PHONE))
    await deliver(recorder, _inbound(LID))
    await deliver(recorder, _reply(LID))
    sessions = await store.pool.fetch("SELECT DISTINCT session_id FROM interactions")
    assert len(sessions) == 1
    assert await store.pool.fetchval("SELECT user_id FROM sessions") == uuid.UUID(user_id)


async def test_a_redelivery_after_the_session_expired_opens_no_new_session(
    store: SessionStore, recorder: Recorder
) -> None:
    message = _inbound(PHONE)
    await deliver(recorder, message)
    session_id = await store.pool.fetchval("SELECT session_id FROM interactions")
    await store.make_stale(str(session_id))
    await deliver(recorder, message)
    assert await store.pool.fetchval("SELECT count(*) FROM sessions") == 1


async def test_a_reply_to_a_group_chat_is_not_recorded(
    store: SessionStore, recorder: Recorder
) -> None:
    await deliver(recorder, _reply("120363000000000000@g.us"))
    assert await store.pool.fetchval("SELECT count(*) FROM interactions") == 0
    assert await store.pool.fetchval("SELECT count(*) FROM users") == 0
