"""The send ledger's part states, including claims written by earlier versions."""

from __future__ import annotations

import nats.errors
import pytest
from nats.js.errors import NoStreamResponseError
from nats.js.kv import KeyValue

from concierge_common.errors import BusUnavailable
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
        (b"done:true_1@c.us_Y", PartState(Phase.SENT, "true_1@c.us_Y", last=True)),
        (b"whatever", PartState(Phase.IN_DOUBT, "")),  # unreadable: never taken for unsent
    ],
)
async def test_stored_values_are_read_conservatively(stored: bytes, expected: PartState) -> None:
    bucket = MemoryBucket("sent", {f"{REPLY}.1": stored})
    assert await SendLedger(bucket).part(REPLY, 1) == expected  # type: ignore[arg-type]


class UnreachableBucket(MemoryBucket):
    """A bucket NATS cannot reach (reconnecting, a cluster electing its leader)."""

    async def get(self, key: str) -> KeyValue.Entry:
        raise nats.errors.TimeoutError

    async def put(self, key: str, value: bytes) -> int:
        raise NoStreamResponseError


async def test_a_ledger_nats_cannot_reach_is_an_outage_not_a_failed_reply() -> None:
    ledger = SendLedger(UnreachableBucket("sent"))  # type: ignore[arg-type]
    with pytest.raises(BusUnavailable):
        await ledger.part(REPLY, 1)
    with pytest.raises(BusUnavailable):
        await ledger.claim(REPLY, 1, "3EB0AA", 1_800_000_000.0)
    with pytest.raises(BusUnavailable):
        await ledger.set_reply(REPLY, b"sent")


async def test_a_missing_key_is_no_state_not_an_outage() -> None:
    ledger = SendLedger(MemoryBucket("sent"))  # type: ignore[arg-type]
    assert await ledger.part(REPLY, 2) is None


class CountingBucket(MemoryBucket):
    """Counts the reads."""

    reads = 0

    async def get(self, key: str) -> KeyValue.Entry:
        self.reads += 1
        return await super().get(key)


async def test_the_last_part_marked_sent_completes_the_reply() -> None:
    ledger = SendLedger(MemoryBucket("sent"))  # type: ignore[arg-type]
    await ledger.mark_sent(REPLY, 1, "true_1@c.us_A")
    await ledger.mark_sent(REPLY, 2, "true_1@c.us_B", last=True)
    states = await ledger.parts(REPLY, 2)
    assert states == [
        PartState(Phase.SENT, "true_1@c.us_A"),
        PartState(Phase.SENT, "true_1@c.us_B", last=True),
    ]


async def test_parts_are_read_in_order_up_to_the_first_without_a_state() -> None:
    bucket = CountingBucket("sent", {f"{REPLY}.1": b"sent:A", f"{REPLY}.3": b"sent:C"})
    states = await SendLedger(bucket).parts(REPLY, 4)  # type: ignore[arg-type]
    assert states == [PartState(Phase.SENT, "A"), None, None, None]
    assert bucket.reads == 2  # parts go out in order: nothing after part 2 is read


async def test_parts_after_the_replys_last_are_not_read() -> None:
    """A later attempt that splits the text into more parts finds the reply complete."""
    bucket = CountingBucket("sent", {f"{REPLY}.1": b"done:A"})
    states = await SendLedger(bucket).parts(REPLY, 3)  # type: ignore[arg-type]
    assert states == [PartState(Phase.SENT, "A", last=True), None, None]
    assert bucket.reads == 1
