"""Receipts of long replies' later parts, and receipts that come before their reply is recorded."""

from __future__ import annotations

import uuid

from concierge_common.contracts.messages import ReceiptSeen, ReplySent
from store.receipts import key_hash
from store.recorder import Recorder
from support.store_recording import deliver
from support.store_sessions import SessionStore

PERSON = "33600000601@c.us"
SESSION = "default"
FIRST, SECOND = f"true_{PERSON}_PART1", f"true_{PERSON}_PART2"


def _reply(*provider_ids: str) -> ReplySent:
    return ReplySent(
        message_id=uuid.uuid4().hex,
        conversation_id="ef" * 16,
        correlation_id="evt_in",
        reply_id=uuid.uuid4().hex,
        session=SESSION,
        chat_id=PERSON,
        text="Première partie. Seconde partie.",
        provider_message_id=provider_ids[0],
        provider_message_ids=list(provider_ids),
    )


def _receipt(target: str, *, ack: str = "", reaction: str = "", own: bool = True) -> ReceiptSeen:
    return ReceiptSeen(
        message_id=uuid.uuid4().hex,
        conversation_id="ef" * 16,
        correlation_id="evt_receipt",
        session=SESSION,
        chat_id=PERSON,
        kind="ack" if ack else "reaction",
        target_provider_id=target,
        ack_name=ack,
        reaction=reaction,
        from_me=own,
        seen_at=1_800_000_000.0,
    )


async def _row(store: SessionStore) -> tuple[str, str]:
    row = await store.pool.fetchrow(
        "SELECT delivery_status, reaction FROM interactions WHERE provider_message_id = $1", FIRST
    )
    assert row is not None
    return row["delivery_status"], row["reaction"]


async def _waiting(store: SessionStore, *targets: str) -> list[list[str]]:
    """The waiting receipts of these messages (the database is shared with other tests)."""
    hashes = [key_hash(target) for target in targets or (FIRST, SECOND)]
    rows = await store.pool.fetch(
        "SELECT key_hashes FROM pending_receipts WHERE key_hashes && $1::text[]", hashes
    )
    return [list(row["key_hashes"]) for row in rows]


async def test_a_receipt_of_a_later_part_lands_on_the_reply(
    store: SessionStore, recorder: Recorder
) -> None:
    await deliver(recorder, _reply(FIRST, SECOND), _receipt(SECOND, ack="READ"))
    await deliver(recorder, _receipt(SECOND, reaction="🙏"))
    assert await _row(store) == ("read", "🙏")


async def test_receipts_before_the_reply_is_recorded_are_applied_when_it_is(
    store: SessionStore, recorder: Recorder
) -> None:
    await deliver(recorder, _receipt(FIRST, ack="SERVER"), _receipt(SECOND, ack="DEVICE"))
    waiting = await _waiting(store)
    assert len(waiting) == 2
    assert not any(PERSON.split("@")[0] in key for keys in waiting for key in keys)  # hashes only
    await deliver(recorder, _reply(FIRST, SECOND))
    assert await _row(store) == ("device", "")
    assert await _waiting(store) == []


async def test_an_early_reaction_is_applied_and_a_status_never_moves_back(
    store: SessionStore, recorder: Recorder
) -> None:
    await deliver(recorder, _receipt(FIRST, ack="READ"), _receipt(FIRST, reaction="👍"))
    await deliver(recorder, _reply(FIRST), _receipt(FIRST, ack="SERVER"))
    assert await _row(store) == ("read", "👍")


async def test_a_receipt_of_a_persons_unknown_message_is_not_kept(
    store: SessionStore, recorder: Recorder
) -> None:
    never = f"false_{PERSON}_NEVER"
    await deliver(recorder, _receipt(never, ack="READ", own=False))
    assert await _waiting(store, never) == []
