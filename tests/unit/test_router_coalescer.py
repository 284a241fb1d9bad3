"""Does a message end its turn? Decided on the times the person sent their messages.

The subject holds the conversation's messages by stream sequence, as the
router's read-ahead (``next_by_subj``) finds them; the server's clock stands
still unless the coalescer sleeps.
"""

from __future__ import annotations

import msgspec
import pytest

from concierge_common.bus.consumer import Delivery
from concierge_common.contracts.messages import BusMessage, MessageReceived, OperatorMessageSeen
from router.coalescer import Coalescer
from router.sending_gap import sent_apart
from support.router_fakes import inbound

CHAT = "33633333333@c.us"
SUBJECT = "chat.v1.inbound.0.conv"
NOW = 1_000.0  # the server's clock
QUEUED = NOW - 60.0  # when the gateway published a message that waited in the queue


class Subject:
    """A conversation's subject; ``arriving`` are published while the router waits."""

    def __init__(self, *messages: BusMessage, arriving: tuple[BusMessage, ...] = ()) -> None:
        self.messages = list(messages)
        self.arriving = list(arriving)
        self.reads = 0
        self.now = NOW
        self.slept: list[float] = []

    async def next_message(self, subject: str, sequence: int) -> BusMessage | None:
        assert subject == SUBJECT
        self.reads += 1
        return self.messages[sequence] if sequence < len(self.messages) else None

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        self.messages.extend(self.arriving)
        self.arriving.clear()

    def coalescer(self, window: float) -> Coalescer:
        return Coalescer(self.next_message, window=window, clock=lambda: self.now, sleep=self.sleep)


def sent(at: float, *, created_at: float = QUEUED, text: str = "question") -> MessageReceived:
    """A message the person sent at ``at`` on their phone (0: WhatsApp gave no time)."""
    return msgspec.structs.replace(inbound(text, CHAT, created_at=created_at), sent_at=at)


async def turn_ends(window: float, *messages: MessageReceived) -> list[bool]:
    """For each message of the queued ``messages``, in order: does it end its turn?"""
    subject = Subject(*messages)
    coalescer = subject.coalescer(window)
    ends = []
    for sequence, message in enumerate(messages, 1):
        delivery = Delivery(attempt=1, subject=SUBJECT, stream_sequence=sequence)
        ends.append(not await coalescer.more_coming(message, delivery))
    return ends


# --- queued messages, on the person's times ---------------------------------


async def test_questions_sent_2_5_s_apart_are_separate_turns_even_all_queued() -> None:
    messages = [sent(500.25 + 2.5 * n) for n in range(4)]
    assert await turn_ends(1.0, *messages) == [True, True, True, True]


async def test_messages_sent_0_3_s_apart_are_one_turn() -> None:
    messages = [sent(500.1 + 0.3 * n) for n in range(4)]
    assert await turn_ends(1.0, *messages) == [False, False, False, True]


async def test_a_burst_then_a_question_sent_later_are_two_turns() -> None:
    messages = [sent(500.1), sent(500.4), sent(503.0)]
    assert await turn_ends(1.0, *messages) == [False, True, True]


async def test_the_gap_is_compared_strictly_with_the_window() -> None:
    assert await turn_ends(1.0, sent(500.25), sent(501.25)) == [True, True]
    assert await turn_ends(1.0, sent(500.25), sent(501.2)) == [False, True]


async def test_a_message_sent_before_the_one_ahead_of_it_counts_by_the_gap_either_way() -> None:
    # Two webhooks crossed: the queue's next message was sent first.
    assert await turn_ends(1.0, sent(500.6), sent(500.3)) == [False, True]
    assert await turn_ends(1.0, sent(505.6), sent(500.3)) == [True, True]


async def test_without_whatsapps_times_the_gateways_times_of_both_are_compared() -> None:
    close = [sent(0.0, created_at=QUEUED), sent(0.0, created_at=QUEUED + 0.3)]
    apart = [sent(0.0, created_at=QUEUED), sent(0.0, created_at=QUEUED + 2.5)]
    assert await turn_ends(1.0, *close) == [False, True]
    assert await turn_ends(1.0, *apart) == [True, True]


async def test_one_time_missing_compares_the_gateways_times_not_one_of_each() -> None:
    # The phone's time of the first is near the gateway's of the second: not compared.
    messages = [sent(QUEUED + 2.25, created_at=QUEUED), sent(0.0, created_at=QUEUED + 2.5)]
    assert await turn_ends(1.0, *messages) == [True, True]


async def test_a_phone_clock_far_off_ours_changes_nothing() -> None:
    ahead = NOW + 7_200.25
    assert await turn_ends(1.0, sent(ahead), sent(ahead + 0.3)) == [False, True]
    assert await turn_ends(1.0, sent(ahead), sent(ahead + 2.5)) == [True, True]


# --- WhatsApp's whole seconds -----------------------------------------------


async def test_lines_pasted_across_a_second_are_read_on_the_gateways_finer_times() -> None:
    first, then = sent(500.0, created_at=QUEUED), sent(501.0, created_at=QUEUED + 0.02)
    assert sent_apart(first, then) == pytest.approx(0.02)
    assert await turn_ends(1.0, first, then) == [False, True]


def test_whole_seconds_stand_when_the_gateways_times_disagree_with_them() -> None:
    # Replayed from WhatsApp's history after an outage: published together.
    first, then = sent(500.0, created_at=QUEUED), sent(503.0, created_at=QUEUED + 0.01)
    assert sent_apart(first, then) == 3.0


def test_precise_times_are_taken_as_they_are() -> None:
    first, then = sent(500.25, created_at=QUEUED), sent(502.75, created_at=QUEUED)
    assert sent_apart(first, then) == 2.5


# --- what the next message is -----------------------------------------------


async def test_a_reply_from_the_phone_after_a_message_keeps_the_bot_from_answering_it() -> None:
    phone = OperatorMessageSeen(
        message_id="op", conversation_id=f"conv-{CHAT}", correlation_id="c",
        session="default", chat_id=CHAT, provider_message_id="true_x", text="Bonjour",
        sent_at=9_999.0,
    )  # fmt: skip
    message = sent(500.0)
    subject = Subject(message, phone)
    delivery = Delivery(attempt=1, subject=SUBJECT, stream_sequence=1)
    assert await subject.coalescer(1.0).more_coming(message, delivery) is True


async def test_a_copy_of_the_message_on_the_subject_is_not_its_next_message() -> None:
    message = sent(500.0)
    assert await turn_ends(1.0, message, message) == [True, True]


async def test_each_decision_reads_the_subject_once() -> None:
    messages = [sent(500.0), sent(500.3), sent(509.0)]
    subject = Subject(*messages)
    coalescer = subject.coalescer(1.0)
    for sequence, message in enumerate(messages, 1):
        delivery = Delivery(attempt=1, subject=SUBJECT, stream_sequence=sequence)
        await coalescer.more_coming(message, delivery)
    assert subject.reads == 3


# --- waiting, on the server's clock -----------------------------------------


async def test_a_young_message_waits_out_the_window_then_sees_what_arrived() -> None:
    young = sent(500.0, created_at=NOW - 0.4)
    subject = Subject(young, arriving=(sent(500.3, created_at=NOW - 0.1),))
    delivery = Delivery(attempt=1, subject=SUBJECT, stream_sequence=1)
    assert await subject.coalescer(1.0).more_coming(young, delivery) is True
    assert subject.slept == [pytest.approx(0.6)]


async def test_a_young_message_with_nothing_after_it_ends_its_turn_after_the_window() -> None:
    young = sent(500.0, created_at=NOW - 0.4)
    subject = Subject(young)
    delivery = Delivery(attempt=1, subject=SUBJECT, stream_sequence=1)
    assert await subject.coalescer(1.0).more_coming(young, delivery) is False
    assert subject.slept == [pytest.approx(0.6)]


async def test_the_wait_never_exceeds_the_window_whatever_the_clocks_say() -> None:
    from_the_future = sent(NOW + 3_600.0, created_at=NOW + 30.0)  # the gateway's clock ahead
    subject = Subject(from_the_future)
    delivery = Delivery(attempt=1, subject=SUBJECT, stream_sequence=1)
    await subject.coalescer(1.0).more_coming(from_the_future, delivery)
    assert subject.slept == [1.0]


async def test_a_message_older_than_the_window_is_decided_without_waiting() -> None:
    message = sent(500.0, created_at=NOW - 1.5)
    subject = Subject(message)
    delivery = Delivery(attempt=1, subject=SUBJECT, stream_sequence=1)
    assert await subject.coalescer(1.0).more_coming(message, delivery) is False
    assert subject.slept == []


async def test_a_window_of_zero_never_waits_nor_reads() -> None:
    subject = Subject(sent(500.0, created_at=NOW), sent(500.1, created_at=NOW))
    delivery = Delivery(attempt=1, subject=SUBJECT, stream_sequence=1)
    assert await subject.coalescer(0.0).more_coming(sent(500.0), delivery) is False
    assert (subject.reads, subject.slept) == (0, [])
