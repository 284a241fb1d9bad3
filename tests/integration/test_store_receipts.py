"""WhatsApp's receipts and reactions end on the interactions they concern, in real Postgres;
the store tells history recovery which WAHA messages it already recorded."""

from __future__ import annotations

import uuid
from typing import Any, Literal

import pytest

from concierge_common.contracts.messages import MessageReceived, ReceiptSeen, ReplySent
from concierge_common.contracts.store_api import KnownMessagesQuery
from concierge_common.errors import InvalidRequest
from store.known_messages import MAX_IDS, KnownMessages
from store.recorder import Recorder
from support.store_recording import deliver, delivery_status
from support.store_sessions import SessionStore

PERSON = "33600000501@c.us"
SESSION = "default"


def _inbound(waha_id: str) -> MessageReceived:
    return MessageReceived(
        message_id=uuid.uuid4().hex,
        conversation_id="cd" * 16,
        correlation_id="evt_in",
        session=SESSION,
        chat_id=PERSON,
        sender_id=PERSON,
        provider_message_id=waha_id,
        text="Bonjour",
        sent_at=1_700_000_000,
    )


def _reply(waha_id: str) -> ReplySent:
    return ReplySent(
        message_id=uuid.uuid4().hex,
        conversation_id="cd" * 16,
        correlation_id="evt_in",
        reply_id=uuid.uuid4().hex,
        session=SESSION,
        chat_id=PERSON,
        text="La messe est à 10 h 30.",
        provider_message_id=waha_id,
        sent_at=1_700_000_060,
    )


def _ack(target: str, name: str) -> ReceiptSeen:
    return _receipt("ack", target, ack_name=name, from_me=True)


def _reaction(target: str, emoji: str, at: float) -> ReceiptSeen:
    return _receipt("reaction", target, reaction=emoji, seen_at=at)


def _receipt(kind: Literal["ack", "reaction"], target: str, **seen: Any) -> ReceiptSeen:
    return ReceiptSeen(
        message_id=uuid.uuid4().hex,
        conversation_id="cd" * 16,
        correlation_id=f"evt_{kind}",
        session=SESSION,
        chat_id=PERSON,
        kind=kind,
        target_provider_id=target,
        **seen,
    )


async def test_acks_move_a_replys_delivery_status_forward_only(
    store: SessionStore, recorder: Recorder
) -> None:
    reply = f"true_{PERSON}_REPLY1"
    await deliver(recorder, _reply(reply), _ack(reply, "READ"))
    assert await delivery_status(store, reply) == "read"
    await deliver(recorder, _ack(reply, "SERVER"), _ack(reply, "DEVICE"), _ack(reply, "ERROR"))
    assert await delivery_status(store, reply) == "read"  # late receipts never undo a read
    await deliver(recorder, _ack(reply, "PLAYED"))
    assert await delivery_status(store, reply) == "played"


async def test_an_error_ack_marks_a_reply_not_yet_delivered(
    store: SessionStore, recorder: Recorder
) -> None:
    reply = f"true_{PERSON}_REPLY2"
    await deliver(recorder, _reply(reply), _ack(reply, "PENDING"), _ack(reply, "ERROR"))
    assert await delivery_status(store, reply) == "error"


async def test_an_ack_finds_a_persons_message_under_its_session_key(
    store: SessionStore, recorder: Recorder
) -> None:
    waha_id = f"false_{PERSON}_INBOUND1"
    await deliver(recorder, _inbound(waha_id), _ack(waha_id, "READ"))
    assert await delivery_status(store, f"{SESSION}:{waha_id}") == "read"


async def test_an_ack_finds_a_reply_stored_under_an_engines_bare_id(
    store: SessionStore, recorder: Recorder
) -> None:
    await deliver(recorder, _reply("NOWEBBAREID"), _ack(f"true_{PERSON}_NOWEBBAREID", "DEVICE"))
    assert await delivery_status(store, "NOWEBBAREID") == "device"


async def test_a_reaction_is_set_replaced_and_removed_in_the_order_it_was_made(
    store: SessionStore, recorder: Recorder
) -> None:
    reply = f"true_{PERSON}_REPLY3"
    await deliver(recorder, _reply(reply), _reaction(reply, "🙏", 1_700_000_100))

    async def reaction() -> tuple[str, float]:
        row = await store.pool.fetchrow(
            "SELECT reaction, reacted_at FROM interactions WHERE provider_message_id = $1", reply
        )
        assert row is not None
        return row["reaction"], row["reacted_at"].timestamp()

    assert await reaction() == ("🙏", 1_700_000_100)
    await deliver(recorder, _reaction(reply, "👍", 1_700_000_050))  # an older one, late
    assert await reaction() == ("🙏", 1_700_000_100)
    await deliver(recorder, _reaction(reply, "", 1_700_000_200))
    assert await reaction() == ("", 1_700_000_200)


async def test_a_receipt_for_a_message_never_recorded_changes_nothing(
    store: SessionStore, recorder: Recorder
) -> None:
    reply = f"true_{PERSON}_REPLY4"
    await deliver(recorder, _reply(reply))
    query = "SELECT delivery_status, reaction, reacted_at FROM interactions"
    before = [tuple(row) for row in await store.pool.fetch(query)]
    other = f"true_{PERSON}_UNKNOWN"
    await deliver(recorder, _ack(other, "READ"), _reaction(other, "👍", 1_700_000_100))
    assert [tuple(row) for row in await store.pool.fetch(query)] == before


async def test_the_store_names_the_waha_messages_it_already_recorded(
    store: SessionStore, recorder: Recorder
) -> None:
    first, second = f"false_{PERSON}_KNOWN1", f"false_{PERSON}_KNOWN2"
    reply = f"true_{PERSON}_REPLY5"
    await deliver(recorder, _inbound(first), _inbound(second), _reply(reply))
    known = KnownMessages(store.pool)
    asked = [f"false_{PERSON}_NEW", second, first, reply]
    assert await known.known(
        KnownMessagesQuery(wa_session=SESSION, provider_message_ids=asked)
    ) == [
        second,
        first,
    ]
    other_session = KnownMessagesQuery(wa_session="other", provider_message_ids=[first])
    assert await known.known(other_session) == []
    too_many = [str(index) for index in range(MAX_IDS + 1)]
    with pytest.raises(InvalidRequest):
        await known.known(KnownMessagesQuery(wa_session=SESSION, provider_message_ids=too_many))
