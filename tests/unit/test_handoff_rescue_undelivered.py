"""What the handoff service does with a reply WhatsApp refused for good (dead-lettered)."""

from __future__ import annotations

import msgspec

from concierge_common.bus.consumer import Delivery
from concierge_common.contracts import store_api as api
from concierge_common.contracts.messages import (
    HandoffRequested,
    ProcessingFailed,
    SendReply,
    encode,
)
from handoff.outbox import Outbox
from handoff.rescue import Rescue
from support.handoff_views import opened_view
from support.router_fakes import RecordingPublisher

STAFF = "120363000000000000@g.us"
PERSON = "33600000801@c.us"
DELIVERY = Delivery(attempt=1, subject="chat.v1.failed.0.conv", stream_sequence=1)


class Store:
    def __init__(self, *, already_open: bool = False) -> None:
        self.opened: list[api.HandoffOpen] = []
        self.already_open = already_open

    async def open_handoff(self, request: api.HandoffOpen) -> api.HandoffView:
        self.opened.append(request)
        return opened_view(request, reference="HAB12", id="h1", created=not self.already_open)

    async def user_of(self, whatsapp_id: str, *, written_at: float = 0.0) -> str:
        return "user-1"


def reply(
    chat_id: str = PERSON, *, origin: str = "ai", text: str = "La messe est à 10 h."
) -> SendReply:
    return SendReply(
        message_id="r1", conversation_id="conv", correlation_id="c", session="default",
        chat_id=chat_id, text=text, origin=origin,
    )  # fmt: skip


def failed(
    original: SendReply, flow: str = "outbound", error_type: str = "DownstreamRejected"
) -> ProcessingFailed:
    return ProcessingFailed(
        message_id="f1", conversation_id="conv", correlation_id="c", service="gateway",
        flow=flow, error_type=error_type, original=msgspec.Raw(encode(original)),
    )  # fmt: skip


def build(store: Store, *, staff_chat: str = STAFF) -> tuple[Rescue, RecordingPublisher]:
    bus = RecordingPublisher()
    outbox = Outbox(bus, staff_chat_id=staff_chat, conversation_key="k")
    return Rescue(store, outbox, bus), bus


def staff_texts(bus: RecordingPublisher) -> list[str]:
    return [m.text for f, m in bus.published if f == "outbound" and isinstance(m, SendReply)]


async def test_a_refused_reply_hands_the_person_to_a_human_and_tells_staff_directly() -> None:
    store = Store()
    rescue, bus = build(store)
    await rescue(failed(reply(text="Le baptême de Jules est confirmé.")), DELIVERY)
    [opened] = store.opened
    assert (opened.reason, opened.requested_by, opened.chat_id) == (
        "delivery_failed", "error", PERSON,
    )  # fmt: skip
    assert opened.user_id == "user-1"
    [text] = staff_texts(bus)
    assert "[HAB12]" in text
    assert "Message non remis" in text
    assert "baptême de Jules" in text
    [(_, alert)] = bus.published
    assert isinstance(alert, SendReply)
    assert alert.chat_id == STAFF


async def test_the_person_gets_no_notice_it_would_be_refused_too() -> None:
    rescue, bus = build(Store())
    await rescue(failed(reply()), DELIVERY)
    assert not bus.of(HandoffRequested)
    assert all(m.chat_id != PERSON for _, m in bus.published if isinstance(m, SendReply))
    assert [flow for flow, _ in bus.published] == ["outbound"]


async def test_a_human_already_in_charge_is_shown_the_undelivered_reply() -> None:
    store = Store(already_open=True)
    rescue, bus = build(store)
    await rescue(failed(reply()), DELIVERY)
    [text] = staff_texts(bus)
    assert "[HAB12]" in text


async def test_a_refused_staff_answer_is_shown_back_to_staff_without_a_new_handoff() -> None:
    store = Store()
    rescue, bus = build(store)
    await rescue(failed(reply(origin="staff", text="Bonjour, ici Anne.")), DELIVERY)
    assert store.opened == []
    [text] = staff_texts(bus)
    assert "Votre réponse n'a pas pu être remise" in text
    assert "ici Anne" in text


async def test_a_refused_message_to_the_staff_chat_is_only_counted() -> None:
    store = Store()
    rescue, bus = build(store)
    await rescue(failed(reply(STAFF, origin="handoff")), DELIVERY)
    assert store.opened == []
    assert bus.published == []


async def test_a_refused_message_to_another_group_is_only_counted() -> None:
    store = Store()
    rescue, bus = build(store, staff_chat="")
    await rescue(failed(reply("120363999999999999@g.us")), DELIVERY)
    assert store.opened == []
    assert bus.published == []


async def test_the_staff_alert_keeps_its_id_when_the_rescue_is_retried() -> None:
    rescue, bus = build(Store())
    await rescue(failed(reply()), DELIVERY)
    await rescue(failed(reply()), DELIVERY)
    first, second = (m.message_id for _, m in bus.published)
    assert first == second


async def test_a_reply_never_confirmed_asks_staff_to_check_rather_than_saying_it_was_refused() -> (
    None
):
    store = Store()
    rescue, bus = build(store)
    await rescue(failed(reply(), error_type="SendInDoubt"), DELIVERY)
    [opened] = store.opened
    assert opened.reason == "delivery_failed"
    [text] = staff_texts(bus)
    assert "peut-être non remis" in text
    assert "refusé" not in text
    assert "La messe est à 10 h." in text


async def test_a_staff_answer_never_confirmed_is_shown_back_as_possibly_undelivered() -> None:
    rescue, bus = build(Store())
    await rescue(failed(reply(origin="staff"), error_type="SendInDoubt"), DELIVERY)
    [text] = staff_texts(bus)
    assert "n'a peut-être pas été remise" in text
    assert "refusé" not in text
