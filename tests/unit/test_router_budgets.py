"""The router's hourly message budgets (in memory, on a clock the tests move)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import msgspec
from prometheus_client import REGISTRY

from concierge_common.bus.consumer import Delivery
from concierge_common.contracts.messages import (
    GenerateReply,
    MessageReceived,
    RelayToStaff,
    SendReply,
    channel_of,
)
from router.admission import Admission
from router.budgets import (
    CHANNEL,
    PERSON,
    RELAY,
    Limits,
    LocalBudgets,
)
from router.catalog import CatalogCache
from router.coalescer import Coalescer
from router.conversation import Conversation
from router.inbound import InboundHandler
from router.outbox import Outbox
from router.verification import Verification
from support.manual_clock import ManualClock
from support.router_fakes import FakeStorePort, MemoryHandled, NoClassifier, RecordingPublisher
from support.router_fakes import inbound as message

ANNE, BRUNO = "33611111111@c.us", "33622222222@c.us"
ZONE = ZoneInfo("Europe/Paris")
START = 1_764_064_800.0  # 2025-11-25 10:00 UTC (11h00 in Paris)


def budgets(clock: ManualClock, **limits: int) -> LocalBudgets:
    return LocalBudgets(Limits(**limits), clock=clock)


async def test_a_person_is_cut_after_their_budget_and_another_still_passes() -> None:
    limiter = budgets(ManualClock(START), person=3)
    verdicts = [await limiter.take(message("question", ANNE)) for _ in range(5)]
    assert [v.allowed for v in verdicts] == [True, True, True, False, False]
    assert verdicts[3].scope == PERSON
    assert (await limiter.take(message("question", BRUNO))).allowed


async def test_the_first_refusal_of_the_hour_notifies_and_the_next_ones_do_not() -> None:
    clock = ManualClock(START)
    limiter = budgets(clock, person=1)
    await limiter.take(message("a", ANNE))
    assert (await limiter.take(message("b", ANNE))).notify
    clock.now += 1800
    assert not (await limiter.take(message("c", ANNE))).notify


async def test_room_frees_up_when_the_oldest_message_leaves_the_hour() -> None:
    clock = ManualClock(START)
    limiter = budgets(clock, person=2)
    await limiter.take(message("a", ANNE))
    clock.now += 600
    await limiter.take(message("b", ANNE))
    refused = await limiter.take(message("c", ANNE))
    assert refused.free_at == START + 3600
    clock.now = START + 3600
    assert (await limiter.take(message("d", ANNE))).allowed  # the first one left
    assert not (await limiter.take(message("e", ANNE))).allowed  # the second is still there


async def test_refused_messages_take_no_room() -> None:
    clock = ManualClock(START)
    limiter = budgets(clock, person=1)
    await limiter.take(message("a", ANNE))
    for _ in range(50):
        await limiter.take(message("flood", ANNE))
    clock.now += 3600
    assert (await limiter.take(message("enfin", ANNE))).allowed


async def test_a_redelivered_message_takes_no_second_place() -> None:
    limiter = budgets(ManualClock(START), person=2)
    first = message("a", ANNE)
    assert (await limiter.take(first)).allowed
    assert (await limiter.take(first)).allowed
    assert (await limiter.take(message("b", ANNE))).allowed
    assert (await limiter.take(first)).allowed  # still its own place, even when full


async def test_the_channel_budget_counts_every_person_of_the_channel() -> None:
    limiter = budgets(ManualClock(START), person=10, channel=2)
    assert (await limiter.take(message("a", ANNE))).allowed
    assert (await limiter.take(message("b", BRUNO))).allowed
    refused = await limiter.take(message("c", "33633333333@c.us"))
    assert (refused.allowed, refused.scope) == (False, CHANNEL)
    other_session = msgspec.structs.replace(message("d", ANNE), session="second")
    assert (await limiter.take(other_session)).allowed


async def test_relayed_messages_have_a_budget_of_their_own() -> None:
    limiter = budgets(ManualClock(START), person=1, relay=2)
    assert (await limiter.take(message("a", ANNE))).allowed
    assert (await limiter.take(message("b", ANNE), relayed=True)).allowed
    assert (await limiter.take(message("c", ANNE), relayed=True)).allowed
    refused = await limiter.take(message("d", ANNE), relayed=True)
    assert (refused.allowed, refused.scope) == (False, RELAY)


async def test_zero_means_unlimited() -> None:
    limiter = budgets(ManualClock(START))
    for _ in range(500):
        assert (await limiter.take(message("a", ANNE))).allowed


def test_an_api_person_counts_in_their_token_subjects_channel() -> None:
    api = MessageReceived(
        message_id="m", conversation_id="c", correlation_id="k", session="api",
        chat_id="web-8f3a:user-1@api", sender_id="web-8f3a:user-1@api",
        provider_message_id="p", channel="api",
    )  # fmt: skip
    assert channel_of(api) == "api:web-8f3a"
    assert channel_of(message("a", ANNE)) == "whatsapp:default"


# --- The inbound handler with budgets -----------------------------------------------------


def handler(limits: Limits, clock: ManualClock) -> tuple[InboundHandler, RecordingPublisher]:
    store = FakeStorePort()
    bus = RecordingPublisher()
    outbox = Outbox(bus)
    conversation = Conversation(
        store,
        outbox,
        CatalogCache(store, ttl=60),
        NoClassifier(),
        Verification(store, outbox, zone=ZONE),
        default_service="RENSEIGNEMENT",
    )
    admission = Admission(LocalBudgets(limits, clock=clock), outbox, zone=ZONE)
    coalescer = Coalescer(_nothing_next, window=0.0)
    inbound = InboundHandler(
        store, outbox, conversation, coalescer, MemoryHandled(),
        staff_chat_id="", admission=admission,
    )  # fmt: skip
    return inbound, bus


async def _nothing_next(subject: str, sequence: int) -> None:
    return None


def delivery(sequence: int) -> Delivery:
    return Delivery(attempt=1, subject="chat.v1.inbound.0.conv", stream_sequence=sequence)


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_over_budget_one_notice_then_silence() -> None:
    inbound, bus = handler(Limits(person=2), ManualClock(START))
    refused = _sample("concierge_router_budget_refusals_total", scope=PERSON)
    notices = _sample("concierge_router_budget_notices_total", scope=PERSON)
    for sequence in range(1, 7):
        await inbound(message("horaires des messes ?", ANNE), delivery(sequence))
    assert len(bus.of(GenerateReply)) == 2
    said = [reply.text for reply in bus.of(SendReply)]
    assert len(said) == 1
    assert said[0].startswith("Vous m'avez envoyé beaucoup de messages")
    assert "après 12h00" in said[0]  # an hour after the first one, in Paris
    assert _sample("concierge_router_budget_refusals_total", scope=PERSON) == refused + 4
    assert _sample("concierge_router_budget_notices_total", scope=PERSON) == notices + 1
    await inbound(message("horaires des messes ?", BRUNO), delivery(7))
    assert len(bus.of(GenerateReply)) == 3  # another person is still answered


async def test_during_a_handoff_relays_do_not_spend_the_assistants_budget() -> None:
    inbound, bus = handler(Limits(person=2, relay=3), ManualClock(START))
    await inbound(message("humain", ANNE), delivery(1))
    for sequence in range(2, 8):
        await inbound(message("vous êtes là ?", ANNE), delivery(sequence))
    assert len(bus.of(RelayToStaff)) == 3
    notice = [reply.text for reply in bus.of(SendReply) if "transmis après" in reply.text]
    assert len(notice) == 1
