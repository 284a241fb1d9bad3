"""A message redelivered after its first attempt opened a handoff finishes that hand-off.

The store executes ``handoff.open`` (the session moves to ``handoff``) but its
reply is lost: the router's attempt fails and the bus delivers the message
again. The retry finds the session handed over; the handoff's opening message
tells it whether the hand-off is its own (then it asks for the staff alert and
the person's notice) or not (then the message is only relayed, as before).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from concierge_common import ids
from concierge_common.bus.consumer import Delivery
from concierge_common.contracts import store_api as api
from concierge_common.contracts.messages import (
    HandoffRequested,
    MessageReceived,
    RelayToStaff,
    SendReply,
)
from concierge_common.errors import Outage
from router.catalog import CatalogCache
from router.coalescer import Coalescer
from router.conversation import Conversation
from router.inbound import InboundHandler
from router.outbox import Outbox
from router.verification import Verification
from support.router_fakes import (
    FakeStorePort,
    MemoryHandled,
    NoClassifier,
    RecordingPublisher,
    inbound,
)

CHAT = "33611112222@c.us"
CONVERSATION = f"conv-{CHAT}"


class LateStore(FakeStorePort):
    """Executes every ``handoff.open``, but the first ``lost_replies`` replies never arrive."""

    lost_replies = 1

    async def open_handoff(self, request: api.HandoffOpen) -> api.HandoffView:
        opened = await super().open_handoff(request)
        if self.lost_replies:
            self.lost_replies -= 1
            raise Outage("store did not answer handoff.open (TimeoutError)")
        return opened


class Router:
    def __init__(self, store: FakeStorePort) -> None:
        self.store = store
        self.bus = RecordingPublisher()
        outbox = Outbox(self.bus)
        conversation = Conversation(
            store,
            outbox,
            CatalogCache(store, ttl=60),
            NoClassifier(),
            Verification(store, outbox, zone=ZoneInfo("Europe/Paris")),
            default_service="RENSEIGNEMENT",
        )
        self.handler = InboundHandler(
            store, outbox, conversation, Coalescer(_no_next, window=0.0), MemoryHandled(),
            staff_chat_id="",
        )  # fmt: skip

    async def deliver(self, message: MessageReceived, attempt: int = 1) -> None:
        delivery = Delivery(attempt=attempt, subject="chat.v1.inbound.0.conv", stream_sequence=1)
        await self.handler(message, delivery)

    async def deliver_failing(self, message: MessageReceived) -> None:
        """The first attempt, which the lost reply makes fail (the bus will redeliver)."""
        with pytest.raises(Outage):
            await self.deliver(message)


async def _no_next(subject: str, sequence: int) -> None:
    return None


async def test_the_retry_finishes_the_hand_off_its_first_attempt_opened() -> None:
    router = Router(LateStore())
    asked = inbound("Je voudrais parler à un humain", CHAT)
    await router.deliver_failing(asked)
    assert router.store.session_of(CHAT).status == "handoff"
    assert router.bus.of(HandoffRequested) == []

    await router.deliver(asked, attempt=2)

    [request] = router.bus.of(HandoffRequested)
    opened = router.store.open_handoffs[CONVERSATION]
    assert opened.opened_by_message == asked.message_id
    assert (request.handoff_id, request.reference) == (opened.id, opened.reference)
    assert (request.reason, request.requested_by) == ("person_asked", "person")
    # The id a first attempt that went well would have used: JetStream keeps one of them.
    assert request.message_id == ids.derived_id("router-handoff", asked.message_id)
    assert router.bus.of(RelayToStaff) == []
    assert [h.message_id for h in router.store.handoffs] == [asked.message_id]
    assert router.store.handoff_lookups == [CONVERSATION]


async def test_a_lockout_hand_off_is_finished_with_its_stored_reason_and_trigger() -> None:
    store = LateStore(claim_outcomes=["locked"])
    store.lost_replies = 0
    router = Router(store)
    await router.deliver(inbound("Je voudrais le planning de mes enfants au catéchisme", CHAT))
    assert store.session_of(CHAT).state.get("step") == "await_code"
    store.lost_replies = 1
    code = inbound("SM-0001", CHAT)
    await router.deliver_failing(code)
    locked = router.bus.texts()[-1]
    assert "Trop de codes erronés" in locked

    await router.deliver(code, attempt=2)

    [request] = router.bus.of(HandoffRequested)
    assert (request.reason, request.requested_by) == ("code_lockout", "lockout")
    assert [m.text for m in router.bus.of(SendReply)].count(locked) == 1
    assert "step" not in store.session_of(CHAT).state
    assert len(store.claims) == 1


async def test_a_retried_message_of_a_conversation_handed_over_before_is_relayed() -> None:
    router = Router(FakeStorePort())
    await router.deliver(inbound("humain", CHAT))
    later = inbound("c'est pour un baptême", CHAT)

    await router.deliver(later, attempt=3)

    assert len(router.bus.of(HandoffRequested)) == 1
    [relay] = router.bus.of(RelayToStaff)
    assert relay.inbound.message_id == later.message_id
    assert router.store.handoff_lookups == [CONVERSATION]


async def test_a_first_delivery_during_a_handoff_asks_the_store_nothing_more() -> None:
    router = Router(FakeStorePort())
    await router.deliver(inbound("humain", CHAT))
    await router.deliver(inbound("vous êtes là ?", CHAT))
    assert len(router.bus.of(RelayToStaff)) == 1
    assert router.store.handoff_lookups == []


async def test_a_retry_after_the_hand_off_ended_is_relayed() -> None:
    router = Router(LateStore())
    asked = inbound("humain", CHAT)
    await router.deliver_failing(asked)
    router.store.open_handoffs.clear()  # staff already ended it; the session is still handed over

    await router.deliver(asked, attempt=2)

    assert router.bus.of(HandoffRequested) == []
    assert len(router.bus.of(RelayToStaff)) == 1
