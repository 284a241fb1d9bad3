"""The ai flow's handler: ready replies pass through, turns are answered or handed off."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import msgspec
import pytest
from prometheus_client import REGISTRY

from ai.answerer import Answer, HandOff
from ai.handoffs import REASON, SUMMARY_CHARS, HandoffOpener, summary
from ai.language import phrase
from ai.responder import NOT_TEXT, SORRY, Responder
from concierge_common import ids
from concierge_common.contracts import store_api as api
from concierge_common.contracts.messages import (
    GenerateReply,
    HandoffRequested,
    MediaRef,
    MessageReceived,
    ReplySent,
    SendReply,
)
from concierge_common.errors import DownstreamUnavailable, InvalidMessage, NotFound
from support.ai_fakes import DELIVERY, HandoffStore, Published

NOW = datetime(2026, 11, 25, 10, tzinfo=UTC)


class FixedAnswerer:
    def __init__(self, answer: Answer | HandOff | None) -> None:
        self.answer_to_give = answer
        self.turns: list[GenerateReply] = []

    async def answer(self, turn: GenerateReply) -> Answer | HandOff | None:
        self.turns.append(turn)
        return self.answer_to_give


def _inbound(text: str = "Une question ?", kind: str = "text") -> MessageReceived:
    return MessageReceived(
        message_id="m1",
        conversation_id="c1",
        correlation_id="k1",
        session="default",
        chat_id="33600000001@c.us",
        sender_id="33600000001@c.us",
        provider_message_id="wamid-1",
        kind=kind,
        text=text,
        media=MediaRef(url="http://waha/f.jpg") if kind != "text" else None,
    )


def _turn(*texts: str, user_id: str = "u-1", kind: str = "text") -> GenerateReply:
    return GenerateReply(
        message_id="g1",
        conversation_id="c1",
        correlation_id="k1",
        inbound=_inbound(texts[-1] if texts else "", kind),
        service="RENSEIGNEMENT",
        texts=list(texts),
        user_id=user_id,
    )


def _responder(
    answer: Answer | HandOff | None = None, store: HandoffStore | None = None
) -> tuple[Responder, Published, HandoffStore]:
    published, store = Published(), store or HandoffStore()
    return Responder(published, FixedAnswerer(answer), HandoffOpener(store)), published, store


def _outcome(name: str) -> float:
    return REGISTRY.get_sample_value("concierge_ai_answers_total", {"outcome": name}) or 0.0


async def test_a_ready_reply_is_forwarded_untouched_but_for_its_id() -> None:
    responder, published, _ = _responder()
    ready = SendReply(
        message_id="router-notice-1",
        conversation_id="c1",
        correlation_id="k1",
        created_at=123.0,
        session="default",
        chat_id="33600000001@c.us",
        text="Je vous mets en relation.",
        in_reply_to="wamid-1",
        origin="handoff",
    )
    before = _outcome("forwarded")
    await responder(ready, DELIVERY)
    [(flow, forwarded)] = published.messages
    assert flow == "outbound"
    assert forwarded == msgspec.structs.replace(
        ready, message_id=ids.derived_id("ai-forward", "router-notice-1")
    )
    assert _outcome("forwarded") == before + 1


async def test_an_answer_is_sent_to_the_person_in_reply_to_their_message() -> None:
    responder, published, store = _responder(Answer("Dimanche à 11h.", "fact", ("f1",)))
    before = _outcome("answered")
    turn = _turn("messe dimanche ?")
    await responder(turn, DELIVERY)
    [(flow, reply)] = published.messages
    assert flow == "outbound"
    assert reply == SendReply(
        message_id=ids.derived_id("ai", "g1"),
        conversation_id="c1",
        correlation_id="k1",
        created_at=reply.created_at,
        session="default",
        chat_id="33600000001@c.us",
        text="Dimanche à 11h.",
        in_reply_to="wamid-1",
        origin="ai",
        in_reply_to_provider_id="wamid-1",
        in_reply_to_at=turn.inbound.created_at,  # when the person wrote (for erasures)
    )
    assert store.requests == []
    assert _outcome("answered") == before + 1


async def test_no_answer_opens_a_handoff_then_apologises_then_alerts_staff() -> None:
    responder, published, store = _responder(None)
    before = _outcome("handoff")
    await responder(_turn("Bonjour", "une question délicate"), DELIVERY)
    assert store.requests == [
        api.HandoffOpen(
            conversation_id="c1",
            user_id="u-1",
            wa_session="default",
            chat_id="33600000001@c.us",
            reason=REASON,
            requested_by="ai",
            summary="Bonjour / une question délicate",
            message_id="g1",  # the turn's: a redelivery finds the handoff it opened
        )
    ]
    [(first_flow, apology), (second_flow, requested)] = published.messages
    assert (first_flow, second_flow) == ("outbound", "handoff")
    assert isinstance(apology, SendReply)
    assert apology.text == SORRY
    assert isinstance(requested, HandoffRequested)
    assert requested.message_id == ids.derived_id("ai-handoff", "g1")
    assert (requested.handoff_id, requested.reference) == ("h-1", "H7K2P")
    assert (requested.requested_by, requested.reason) == ("ai", REASON)
    assert requested.summary == "Bonjour / une question délicate"
    assert requested.inbound.provider_message_id == "wamid-1"
    assert _outcome("handoff") == before + 1


async def test_an_old_turn_without_user_id_alerts_staff_without_opening(
    caplog: pytest.LogCaptureFixture,
) -> None:
    responder, published, store = _responder(None)
    before = _outcome("declined")
    await responder(_turn("une question", user_id=""), DELIVERY)
    assert store.requests == []
    flows = [flow for flow, _ in published.messages]
    assert flows == ["outbound", "handoff"]
    requested = published.messages[1][1]
    assert isinstance(requested, HandoffRequested)
    assert requested.handoff_id == ""
    assert any(record.levelname == "WARNING" for record in caplog.records)
    assert _outcome("declined") == before + 1


async def test_a_store_refusing_the_handoff_still_alerts_staff() -> None:
    responder, published, _ = _responder(None, HandoffStore(NotFound("unknown operation")))
    await responder(_turn("une question"), DELIVERY)
    requested = published.messages[-1][1]
    assert isinstance(requested, HandoffRequested)
    assert requested.handoff_id == ""


async def test_a_store_that_is_down_retries_the_turn_before_anything_is_sent() -> None:
    responder, published, _ = _responder(None, HandoffStore(DownstreamUnavailable("down")))
    with pytest.raises(DownstreamUnavailable):
        await responder(_turn("une question"), DELIVERY)
    assert published.messages == []


async def test_a_redelivered_turn_publishes_the_same_ids() -> None:
    responder, published, _ = _responder(None)
    await responder(_turn("une question"), DELIVERY)
    await responder(_turn("une question"), DELIVERY)
    first, second = published.messages[:2], published.messages[2:]
    assert [m.message_id for _, m in first] == [m.message_id for _, m in second]


async def test_a_retried_turn_that_opened_a_handoff_finishes_it_without_asking_again() -> None:
    """The first attempt opened the handoff; the bus redelivers the turn (a lost ack, a
    crash before the publishes): the second answerer would answer, but is not asked."""
    store = HandoffStore()
    undecided, first, _ = _responder(None, store)
    await undecided(_turn("une question"), DELIVERY)
    sure, again, _ = _responder(Answer("Une réponse tardive", "fact"), store)
    await sure(_turn("une question"), dataclasses.replace(DELIVERY, attempt=2))
    assert "Une réponse tardive" not in [m.text for m in again.replies()]
    assert [m.message_id for _, m in again.messages] == [m.message_id for _, m in first.messages]
    [requested] = [m for _, m in again.messages if isinstance(m, HandoffRequested)]
    assert store.opened is not None
    assert requested.handoff_id == store.opened.id


async def test_a_retried_turn_without_its_own_handoff_is_answered_as_usual() -> None:
    store = HandoffStore()
    responder, published, _ = _responder(Answer("La messe est à 10 h 30.", "fact"), store)
    await responder(_turn("une question"), dataclasses.replace(DELIVERY, attempt=2))
    assert [m.text for m in published.replies()] == ["La messe est à 10 h 30."]
    assert store.requests == []


async def test_an_image_gets_a_polite_reply_asking_for_text() -> None:
    responder, published, store = _responder(Answer("never used", "fact"))
    before = _outcome("not_text")
    await responder(_turn(kind="image"), DELIVERY)
    [(flow, reply)] = published.messages
    assert flow == "outbound"
    assert isinstance(reply, SendReply)
    assert reply.text == NOT_TEXT
    assert store.requests == []
    assert _outcome("not_text") == before + 1


async def test_the_ai_flow_carries_no_other_message() -> None:
    responder, published, _ = _responder()
    sent = ReplySent(
        message_id="x",
        conversation_id="c1",
        correlation_id="k1",
        reply_id="r",
        session="default",
        chat_id="33600000001@c.us",
        text="t",
    )
    with pytest.raises(InvalidMessage):
        await responder(sent, DELIVERY)
    assert published.messages == []


def test_a_long_turn_is_cut_for_the_staff_summary() -> None:
    cut = summary(["a" * 400, "b" * 400])
    assert len(cut) == SUMMARY_CHARS
    assert cut.startswith("a" * 400 + " / b")
    assert cut.endswith("…")
    assert summary(["  ", "une question "]) == "une question"


async def test_the_apology_before_a_handoff_is_in_the_persons_language() -> None:
    responder, published, _ = _responder(None)
    await responder(_turn("Is there a mass in English?"), DELIVERY)
    apology = published.messages[0][1]
    assert isinstance(apology, SendReply)
    assert apology.text == phrase("no_sure_information", "en")


async def test_a_handoff_with_a_reply_tells_that_reply_instead_of_the_apology() -> None:
    said = "Nous pensons à vous. Prêtre de garde : 06 00 00 00 00."
    responder, published, store = _responder(HandOff("ai_sensitive", "Urgence", reply=said))
    await responder(_turn("Ma mère est mourante, c'est urgent"), DELIVERY)
    [(first_flow, told), (second_flow, requested)] = published.messages
    assert (first_flow, second_flow) == ("outbound", "handoff")
    assert isinstance(told, SendReply)
    assert told.text == said
    assert isinstance(requested, HandoffRequested)
    assert requested.reason == "ai_sensitive"
    assert [request.reason for request in store.requests] == ["ai_sensitive"]
