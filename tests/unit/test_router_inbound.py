"""Who owns a conversation, staff chat messages, phone takeover and burst coalescing."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import msgspec
from prometheus_client import REGISTRY

from concierge_common.bus.consumer import Delivery
from concierge_common.contracts.messages import (
    BusMessage,
    GenerateReply,
    MessageReceived,
    OperatorMessageSeen,
    RelayToStaff,
    SendReply,
    StaffMessageReceived,
)
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

CHAT = "33611111111@c.us"
STAFF = "120363000000000000@g.us"


class Forgetful(MemoryHandled):
    """Remembers nothing: Redis lost, only the session state protects the burst."""

    async def seen(self, message_id: str) -> bool:
        return False


class Stream:
    """The conversation's subject: its messages by sequence (the first is 1), read ahead."""

    def __init__(self) -> None:
        self.messages: list[BusMessage] = []
        self.slept: list[float] = []

    async def next_message(self, subject: str, sequence: int) -> BusMessage | None:
        return self.messages[sequence] if sequence < len(self.messages) else None

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def build(
    window: float = 0.0, handled: MemoryHandled | None = None
) -> tuple[InboundHandler, FakeStorePort, RecordingPublisher, Stream]:
    store = FakeStorePort()
    bus = RecordingPublisher()
    outbox = Outbox(bus)
    stream = Stream()
    conversation = Conversation(
        store,
        outbox,
        CatalogCache(store, ttl=60),
        NoClassifier(),
        Verification(store, outbox, zone=ZoneInfo("Europe/Paris")),
        default_service="RENSEIGNEMENT",
    )
    coalescer = Coalescer(
        stream.next_message, window=window, clock=lambda: 100.0, sleep=stream.sleep
    )
    handler = InboundHandler(
        store, outbox, conversation, coalescer, handled or MemoryHandled(),
        staff_chat_id=STAFF,
    )  # fmt: skip
    return handler, store, bus, stream


def _messages(outcome: str) -> float:
    labels = {"outcome": outcome}
    return REGISTRY.get_sample_value("concierge_router_messages_total", labels) or 0.0


def delivery(sequence: int) -> Delivery:
    return Delivery(attempt=1, subject="chat.v1.inbound.0.conv", stream_sequence=sequence)


async def test_staff_chat_messages_go_to_the_desk_not_to_the_bot() -> None:
    handler, store, bus, _ = build()
    await handler(inbound("H7K2P bonjour madame", STAFF), delivery(1))
    assert [type(m) for _, m in bus.published] == [StaffMessageReceived]
    assert bus.published[0][0] == "handoff"
    assert store.sessions == {}


async def test_while_a_human_owns_the_conversation_the_bot_only_relays() -> None:
    handler, _, bus, _ = build()
    await handler(inbound("humain", CHAT), delivery(1))
    published = len(bus.published)
    await handler(inbound("horaires des messes ?", CHAT), delivery(2))
    new = [m for _, m in bus.published[published:]]
    assert [type(m) for m in new] == [RelayToStaff]
    assert isinstance(new[0], RelayToStaff)
    assert new[0].cancel is False
    assert not bus.of(GenerateReply)


async def test_menu_during_a_handoff_asks_to_come_back_to_the_assistant() -> None:
    handler, _, bus, _ = build()
    await handler(inbound("humain", CHAT), delivery(1))
    await handler(inbound("Annuler", CHAT), delivery(2))
    relay = bus.of(RelayToStaff)[-1]
    assert relay.cancel is True


async def test_a_reply_from_the_phone_hands_the_conversation_to_that_human() -> None:
    handler, store, bus, _ = build()
    operator = OperatorMessageSeen(
        message_id="op1", conversation_id=f"conv-{CHAT}", correlation_id="c",
        session="default", chat_id=CHAT, provider_message_id="true_x_1", text="Bonjour, ici Anne",
    )  # fmt: skip
    await handler(operator, delivery(1))
    assert [(h.requested_by, h.assigned_to) for h in store.handoffs] == [("operator", "phone")]
    assert store.session_of(CHAT).status == "handoff"
    await handler(inbound("merci Anne", CHAT), delivery(2))
    assert [type(m) for _, m in bus.published] == [RelayToStaff]


async def test_a_reply_from_the_phone_to_a_linked_id_opens_the_session_with_its_aliases() -> None:
    handler, store, _, _ = build()
    operator = OperatorMessageSeen(
        message_id="op2", conversation_id="conv-lid", correlation_id="c", session="default",
        chat_id="999888777@lid", provider_message_id="true_y_1", text="Bonjour",
        aliases=["33612345678@c.us"],
    )  # fmt: skip
    await handler(operator, delivery(1))
    assert store.aliases["999888777@lid"] == ["33612345678@c.us"]


async def test_a_message_written_before_its_person_was_erased_is_dropped_unanswered() -> None:
    handler, store, bus, _ = build()
    store.erased[CHAT] = 50.0
    before = _messages("erased")
    await handler(inbound("horaires des messes ?", CHAT, created_at=40.0), delivery(1))
    operator = OperatorMessageSeen(
        message_id="op3", conversation_id=f"conv-{CHAT}", correlation_id="c", created_at=45.0,
        session="default", chat_id=CHAT, provider_message_id="true_x_3", text="Bonjour",
    )  # fmt: skip
    await handler(operator, delivery(2))
    assert bus.published == []
    assert store.sessions == {}
    assert store.handoffs == []
    assert _messages("erased") == before + 2


async def test_the_person_writing_again_after_the_erasure_is_answered() -> None:
    handler, store, bus, _ = build()
    store.erased[CHAT] = 50.0
    await handler(inbound("Bonjour", CHAT, created_at=60.0), delivery(1))
    assert store.session_of(CHAT).status == "active"
    [(flow, welcome)] = bus.published
    assert flow == "ai"
    assert isinstance(welcome, SendReply)
    assert welcome.in_reply_to_at == 60.0  # the store checks it against the erasure


async def test_a_message_handled_before_is_not_handled_again() -> None:
    handler, _, bus, _ = build()
    message = inbound("horaires des messes", CHAT)
    await handler(message, delivery(1))
    await handler(message, delivery(1))
    assert len(bus.of(GenerateReply)) == 1


async def _queued(handler: InboundHandler, stream: Stream, *messages: MessageReceived) -> None:
    """``messages`` all on the subject before the router handles the first, as in a backlog."""
    stream.messages.extend(messages)
    for sequence, message in enumerate(messages, 1):
        await handler(message, delivery(sequence))


def _sent(text: str, at: float, *, created_at: float = 99.0) -> MessageReceived:
    return msgspec.structs.replace(inbound(text, CHAT, created_at=created_at), sent_at=at)


async def test_a_burst_of_messages_becomes_one_turn_answered_once() -> None:
    handler, store, bus, stream = build(window=3.0)
    texts = ["bonjour", "c'est pour un baptême", "quels papiers", "faut-il", "merci"]
    await _queued(handler, stream, *(inbound(text, CHAT, created_at=99.0) for text in texts))
    generated = bus.of(GenerateReply)
    assert len(generated) == 1
    assert generated[0].texts == texts
    assert generated[0].service == "RENSEIGNEMENT"
    assert "burst" not in store.session_of(CHAT).state
    assert stream.slept
    assert max(stream.slept) <= 3.0


async def test_queued_questions_sent_seconds_apart_are_each_answered() -> None:
    handler, store, bus, stream = build(window=1.0)
    questions = [
        "horaires des messes du dimanche",
        "papiers pour un baptême",
        "horaires de l'accueil paroissial",
        "préparation au mariage religieux",
    ]
    await _queued(handler, stream, *(_sent(q, 500.25 + 2.5 * n) for n, q in enumerate(questions)))
    assert [g.texts for g in bus.of(GenerateReply)] == [[q] for q in questions]
    assert "burst" not in store.session_of(CHAT).state
    assert stream.slept == []  # all older than the window: decided at once


async def test_queued_messages_sent_0_3_s_apart_are_one_turn() -> None:
    handler, _, bus, stream = build(window=1.0)
    texts = ["bonjour", "horaires des messes", "du dimanche"]
    await _queued(handler, stream, *(_sent(t, 500.1 + 0.3 * n) for n, t in enumerate(texts)))
    [generated] = bus.of(GenerateReply)
    assert generated.texts == texts


async def test_old_messages_are_decided_without_waiting() -> None:
    handler, _, bus, stream = build(window=3.0)
    await _queued(handler, stream, inbound("horaires des messes", CHAT, created_at=50.0))
    assert stream.slept == []
    assert len(bus.of(GenerateReply)) == 1


async def test_a_redelivered_burst_message_is_kept_once() -> None:
    handler, store, _, stream = build(window=3.0, handled=Forgetful())
    message = inbound("premier", CHAT, created_at=99.0)
    stream.messages.extend([message, inbound("second", CHAT, created_at=99.0)])
    await handler(message, delivery(1))
    await handler(message, delivery(1))  # redelivered and not remembered (Redis lost)
    assert store.session_of(CHAT).state["burst"] == [{"id": message.message_id, "text": "premier"}]


async def test_a_message_from_the_api_channel_is_answered_without_waiting() -> None:
    handler, _, bus, stream = build(window=3.0)
    message = msgspec.structs.replace(
        inbound("horaires des messes", CHAT, created_at=99.0), channel="api"
    )
    stream.messages.extend([message, inbound("encore", CHAT, created_at=99.0)])
    await handler(message, delivery(1))
    assert stream.slept == []
    assert len(bus.of(GenerateReply)) == 1


async def test_the_persons_other_ids_are_passed_when_opening_their_session() -> None:
    handler, store, _, _ = build()
    message = msgspec.structs.replace(
        inbound("bonjour", "999888777@lid"), aliases=["33612345678@c.us"]
    )
    await handler(message, delivery(1))
    assert store.aliases == {"999888777@lid": ["33612345678@c.us"]}
