"""The send ledger's part states, including claims written by earlier versions."""

from __future__ import annotations

import pytest

from gateway.send_ledger import PartState, Phase, SendLedger
from support.memory_kv import MemoryBucket

REPLY = "a1b2c3"


async def test_a_claim_is_in_doubt_until_its_end_is_recorded() -> None:
    ledger = SendLedger(MemoryBucket("sent"))  # type: ignore[arg-type]
    await ledger.claim(REPLY, 1, "3EB0AA", 1_800_000_000.25)
    assert await ledger.part(REPLY, 1) == PartState(Phase.IN_DOUBT, "3EB0AA", 1_800_000_000.25)
    await ledger.mark_unsent(REPLY, 1, "3EB0AA", 1_800_000_000.25)
    assert await ledger.part(REPLY, 1) == PartState(Phase.UNSENT, "3EB0AA", 1_800_000_000.25)
    await ledger.mark_sent(REPLY, 1, "true_1@c.us_3EB0AA")
    state = await ledger.part(REPLY, 1)
    assert state == PartState(Phase.SENT, "true_1@c.us_3EB0AA")
    assert state is not None
    assert state.sent


async def test_a_claim_without_a_pre_generated_id_keeps_its_time() -> None:
    ledger = SendLedger(MemoryBucket("sent"))  # type: ignore[arg-type]
    await ledger.claim(REPLY, 2, "", 12.5)
    assert await ledger.part(REPLY, 2) == PartState(Phase.IN_DOUBT, "", 12.5)


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (b"sending:3EB0OLD", PartState(Phase.IN_DOUBT, "3EB0OLD")),  # an earlier version's claim
        (b"sent:true_1@c.us_X", PartState(Phase.SENT, "true_1@c.us_X")),
        (b"whatever", PartState(Phase.IN_DOUBT, "")),  # unreadable: never taken for unsent
    ],
)
async def test_stored_values_are_read_conservatively(stored: bytes, expected: PartState) -> None:
    bucket = MemoryBucket("sent", {f"{REPLY}.1": stored})
    assert await SendLedger(bucket).part(REPLY, 1) == expected  # type: ignore[arg-type]
