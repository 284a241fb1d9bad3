"""What an operator writes from the organisation's phone is stored once, as an outbound
interaction of origin ``operator``, in the person's current session."""

from __future__ import annotations

import uuid

import msgspec

from concierge_common.contracts.messages import OperatorMessageSeen
from concierge_common.contracts.store_api import HandoffOpen
from store.handoffs import Handoffs
from store.recorder import Recorder
from support.store_recording import deliver
from support.store_sessions import SessionStore

PHONE = "33600000901@c.us"
GROUP = "120363000000000001@g.us"


def _seen(chat: str, text: str = "Bonjour, je vous rappelle demain.") -> OperatorMessageSeen:
    return OperatorMessageSeen(
        message_id=uuid.uuid4().hex,
        conversation_id="ef" * 16,
        correlation_id="evt_operator",
        session="default",
        chat_id=chat,
        provider_message_id=f"true_{chat}_{uuid.uuid4().hex.upper()}",
        text=text,
        sent_at=1_700_000_120,
    )


async def test_an_operator_message_handled_three_times_is_stored_once(
    store: SessionStore, recorder: Recorder
) -> None:
    message = _seen(PHONE)

    await deliver(recorder, message, times=3)

    rows = await store.pool.fetch("SELECT * FROM interactions")
    assert len(rows) == 1
    row = rows[0]
    assert (row["direction"], row["origin"], row["message_type"]) == ("out", "operator", "text")
    assert row["content"] == message.text
    assert row["provider_message_id"] == message.provider_message_id
    assert row["occurred_at"].timestamp() == 1_700_000_120
    session = await store.sessions.open(PHONE)
    assert str(row["session_id"]) == session.id


async def test_an_operator_message_lands_in_the_handoff_session(
    store: SessionStore, recorder: Recorder
) -> None:
    user_id = await store.users.resolve(store.pool, PHONE)
    handoff = await Handoffs(store.pool, store.sessions).open(
        HandoffOpen(
            conversation_id="ef" * 16,
            user_id=user_id,
            wa_session="default",
            chat_id=PHONE,
            reason="operator answered",
            requested_by="operator",
            assigned_to="phone",
        )
    )

    await deliver(recorder, _seen(PHONE))

    stored_in = await store.pool.fetchval("SELECT session_id FROM interactions")
    assert str(stored_in) == handoff.session_id
    assert (await store.row(str(stored_in)))["status"] == "handoff"


async def test_an_operator_message_to_a_group_is_not_recorded(
    store: SessionStore, recorder: Recorder
) -> None:
    await deliver(recorder, _seen(GROUP))
    assert await store.pool.fetchval("SELECT count(*) FROM interactions") == 0
    assert await store.pool.fetchval("SELECT count(*) FROM users") == 0


async def test_a_phone_reply_to_a_linked_id_lands_with_the_person_owning_the_phone_id(
    store: SessionStore, recorder: Recorder
) -> None:
    user_id = await store.users.resolve(store.pool, PHONE)
    lid = "900000000901@lid"
    message = msgspec.structs.replace(_seen(lid), aliases=[PHONE])

    await deliver(recorder, message)

    owner = await store.pool.fetchval(
        "SELECT user_id FROM user_whatsapp_ids WHERE whatsapp_id = $1", lid
    )
    assert str(owner) == user_id
    session = await store.sessions.open(PHONE)
    stored = await store.pool.fetchval(
        "SELECT session_id FROM interactions WHERE provider_message_id = $1",
        message.provider_message_id,
    )
    assert str(stored) == session.id
