"""What the handoff service does with a dead-lettered conversation message."""

from __future__ import annotations

import msgspec

from concierge_common.bus.consumer import Delivery
from concierge_common.contracts import store_api as api
from concierge_common.contracts.messages import (
    BusMessage,
    GenerateReply,
    HandoffRequested,
    OperatorMessageSeen,
    ProcessingFailed,
    SendReply,
    StaffMessageReceived,
    encode,
)
from concierge_common.errors import Erased
from handoff.outbox import Outbox
from handoff.rescue import Rescue
from support.handoff_views import opened_view
from support.router_fakes import RecordingPublisher, inbound

STAFF = "120363000000000000@g.us"
DELIVERY = Delivery(attempt=1, subject="chat.v1.failed.0.conv", stream_sequence=1)


class Store:
    def __init__(self, *, already_open: bool = False) -> None:
        self.opened: list[api.HandoffOpen] = []
        self.looked_up: list[str] = []
        self.already_open = already_open
        self.erased_at = -1.0  # when the person was erased (never)

    async def open_handoff(self, request: api.HandoffOpen) -> api.HandoffView:
        self.opened.append(request)
        return opened_view(request, reference="HAB12", id="h1", created=not self.already_open)

    async def user_of(self, whatsapp_id: str, *, written_at: float = 0.0) -> str:
        self.looked_up.append(whatsapp_id)
        if written_at <= self.erased_at:
            raise Erased("session.open: erased since")  # the store's rule
        return "user-1"


def failed(original: BusMessage, flow: str) -> ProcessingFailed:
    return ProcessingFailed(
        message_id="f1", conversation_id="conv", correlation_id="c", service="router",
        flow=flow, error_type="PermanentError", original=msgspec.Raw(encode(original)),
    )  # fmt: skip


def build(store: Store) -> tuple[Rescue, RecordingPublisher]:
    bus = RecordingPublisher()
    outbox = Outbox(bus, staff_chat_id=STAFF, conversation_key="k")
    return Rescue(store, outbox, bus), bus


async def test_a_failed_person_message_opens_an_error_handoff_and_requests_the_alert() -> None:
    store = Store()
    rescue, bus = build(store)
    message = inbound("horaires ?")
    await rescue(failed(message, "inbound"), DELIVERY)
    assert [(o.requested_by, o.user_id, o.chat_id) for o in store.opened] == [
        ("error", "user-1", message.chat_id)
    ]
    [request] = bus.of(HandoffRequested)
    assert (request.reference, request.requested_by, request.inbound) == ("HAB12", "error", message)
    assert [flow for flow, _ in bus.published] == ["handoff"]


async def test_a_failed_message_of_a_person_erased_since_hands_nothing_over() -> None:
    store = Store()
    store.erased_at = 50.0
    rescue, bus = build(store)
    message = inbound("horaires ?", created_at=40.0)
    await rescue(failed(message, "inbound"), DELIVERY)
    assert store.looked_up == [message.chat_id]  # asked, and refused by the store
    assert store.opened == []
    assert bus.published == []


async def test_a_failed_turn_uses_its_own_user_id() -> None:
    store = Store()
    rescue, _ = build(store)
    turn = GenerateReply(
        message_id="g", conversation_id="conv", correlation_id="c", inbound=inbound("x"),
        user_id="user-9",
    )  # fmt: skip
    await rescue(failed(turn, "ai"), DELIVERY)
    assert [o.user_id for o in store.opened] == ["user-9"]
    assert store.looked_up == []


async def test_when_a_human_already_owns_it_staff_see_the_failed_message() -> None:
    store = Store(already_open=True)
    rescue, bus = build(store)
    await rescue(failed(inbound("pour le baptême de Jules"), "inbound"), DELIVERY)
    assert not bus.of(HandoffRequested)
    [(flow, text)] = [(f, m) for f, m in bus.published]
    assert flow == "outbound"
    assert isinstance(text, SendReply)
    assert text.chat_id == STAFF
    assert "[HAB12] Incident technique" in text.text
    assert "baptême de Jules" in text.text


async def test_a_failure_on_the_handoff_flow_never_goes_back_to_that_flow() -> None:
    store = Store()
    rescue, bus = build(store)
    request = HandoffRequested(
        message_id="r", conversation_id="conv", correlation_id="c", inbound=inbound("humain"),
        reason="person_asked",
    )  # fmt: skip
    await rescue(failed(request, "handoff"), DELIVERY)
    assert store.opened == []
    assert [flow for flow, _ in bus.published] == ["outbound"]


async def test_a_failed_phone_reply_still_hands_the_conversation_to_the_phone() -> None:
    store = Store()
    rescue, bus = build(store)
    seen = OperatorMessageSeen(
        message_id="o", conversation_id="conv", correlation_id="c", session="default",
        chat_id="33611111111@c.us", provider_message_id="true_x",
    )  # fmt: skip
    await rescue(failed(seen, "inbound"), DELIVERY)
    assert [(o.requested_by, o.assigned_to) for o in store.opened] == [("operator", "phone")]
    assert bus.published == []


async def test_a_failed_staff_message_is_answered_in_the_staff_chat() -> None:
    store = Store()
    rescue, bus = build(store)
    message = StaffMessageReceived(
        message_id="s", conversation_id="staff-conv", correlation_id="c",
        inbound=inbound("HAB12 bonjour", STAFF),
    )  # fmt: skip
    await rescue(failed(message, "handoff"), DELIVERY)
    [(flow, reply)] = bus.published
    assert flow == "outbound"
    assert isinstance(reply, SendReply)
    assert reply.chat_id == STAFF
    assert "n'a pas pu être traité" in reply.text


async def test_a_failed_ready_reply_is_only_counted() -> None:
    store = Store()
    rescue, bus = build(store)
    reply = SendReply(
        message_id="r", conversation_id="conv", correlation_id="c", session="default",
        chat_id="x@c.us", text="hello",
    )  # fmt: skip
    await rescue(failed(reply, "ai"), DELIVERY)
    assert store.opened == []
    assert bus.published == []
