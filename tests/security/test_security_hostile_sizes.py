"""Issue 14 item 9: hostile sizes are refused at the edge or cost a bounded amount of work.

At the gateway, every field is bounded (a clear 422 naming it, nothing published)
while a real 65,536-character WhatsApp message is accepted whole; a message the bus
refuses as too large is 413, never 503 (WAHA would retry it for ever). At the ai,
what an answerer reads of a message is bounded whatever its length: the embedding
model gets at most ``MAX_QUESTION_CHARS``, the lexical ranking compares at most
``MAX_QUESTION_TERMS`` words with the facts' words, and Claude's prompt carries at
most ``TURN_CHARS`` of each message with a note. So four people sending 60,000
characters each add at most four bounded questions' work before anyone else's.
"""

from __future__ import annotations

import asyncio
import random
import string
from datetime import UTC, datetime
from typing import Any

import nats.errors
import pytest

from ai import lexicon, ranking
from ai.answerer import FactAnswerer
from ai.claude import history, redaction
from ai.embeddings import E5Embedder
from ai.facts import Fact
from ai.hybrid import Calibration, HybridRanker
from ai.lexicon import question_terms
from ai.reading import MAX_QUESTION_CHARS, MAX_QUESTION_TERMS
from concierge_common.contracts.messages import BusMessage, MessageReceived
from concierge_common.contracts.store_api import InteractionView
from concierge_common.errors import BusUnavailable
from gateway.edge_bounds import MAX_TEXT_CHARS
from support.edge_app import RecordingPublisher, edge_client, edge_settings, post_webhook
from support.fake_embedder import TopicModel
from support.fixtures import text_message

CHAT = "33612345678@c.us"
TOPICS = {"messe": ["messe", "messes", "dimanche"], "bapteme": ["bapteme", "baptiser"]}
FACTS = [
    Fact("f-messe", "RENSEIGNEMENT", "Messes du dimanche", "La messe est à 10h30 le dimanche."),
    Fact("f-bapteme", "RENSEIGNEMENT", "Baptême", "Pour baptiser un enfant, venez à l'accueil."),
]


def hostile_text(size: int, seed: int) -> str:
    """``size`` characters of distinct made-up words: the most work per character."""
    chooser = random.Random(seed)
    parts: list[str] = []
    length = 0
    while length < size:
        word = "".join(chooser.choices(string.ascii_lowercase, k=chooser.randint(4, 9)))
        parts.append(word)
        length += len(word) + 1
    return " ".join(parts)[:size]


# --- the gateway's edge ------------------------------------------------------------------


async def test_a_whatsapp_message_of_the_maximum_length_is_accepted_whole() -> None:
    publisher = RecordingPublisher()
    body = "Bonjour, " + "a" * (MAX_TEXT_CHARS - 9)
    async with edge_client(edge_settings(), publisher) as http:
        response = await post_webhook(http, text_message(CHAT, body))
    assert response.status_code == 200
    [(_, message)] = publisher.published
    assert isinstance(message, MessageReceived)
    assert len(message.text) == MAX_TEXT_CHARS


@pytest.mark.parametrize(
    ("where", "field", "size"),
    [
        ("payload", "body", MAX_TEXT_CHARS + 1),
        ("payload", "from", 600_000),
        ("payload", "id", 10_000),
        ("payload", "participant", 10_000),
        ("envelope", "session", 100_000),
        ("envelope", "id", 10_000),
        ("envelope", "event", 10_000),
    ],
)
async def test_an_oversized_field_is_a_clear_422_and_nothing_is_published(
    where: str, field: str, size: int
) -> None:
    event = text_message(CHAT, "Bonjour")
    target: dict[str, Any] = event["payload"] if where == "payload" else event
    target[field] = "9" * size
    publisher = RecordingPublisher()
    async with edge_client(edge_settings(), publisher) as http:
        response = await post_webhook(http, event)
        answered = await post_webhook(http, text_message("33698765432@c.us", "Bonjour"))
    assert response.status_code == 422
    assert field in response.json()["detail"]
    assert "9999" not in response.text  # the value is never echoed
    # Someone else's message right after is published as usual.
    assert answered.status_code == 200
    assert [_chat(message) for _, message in publisher.published] == ["33698765432@c.us"]


async def test_a_session_status_with_a_huge_session_name_is_refused() -> None:
    event = {
        "id": "evt_01hz",
        "event": "session.status",
        "session": "s" * 100_000,
        "payload": {"name": "s", "status": "WORKING"},
    }
    async with edge_client(edge_settings()) as http:
        response = await post_webhook(http, event)
    assert response.status_code == 422


async def test_a_message_the_bus_refuses_as_too_large_is_413_not_503() -> None:
    publisher = RecordingPublisher()
    try:
        raise nats.errors.MaxPayloadError()
    except nats.errors.MaxPayloadError as cause:
        refusal = BusUnavailable("JetStream did not store the message: MaxPayloadError")
        refusal.__cause__ = cause
    publisher.failure = refusal
    async with edge_client(edge_settings(), publisher) as http:
        response = await post_webhook(http, text_message(CHAT, "Bonjour"))
        publisher.failure = BusUnavailable("not connected to NATS")
        outage = await post_webhook(http, text_message(CHAT, "Bonjour"))
    assert response.status_code == 413  # WAHA stops retrying
    assert "retry-after" not in response.headers
    assert outage.status_code == 503  # a real outage still asks WAHA to retry


def _chat(message: BusMessage) -> str:
    assert isinstance(message, MessageReceived)
    return message.chat_id


# --- the ai's work per message -----------------------------------------------------------


class StaticFacts:
    async def facts(self, service: str) -> list[Fact]:
        return list(FACTS)


def _relatedness_counter(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    real = lexicon.relatedness

    def counted(query: str, term: str) -> float:
        calls[0] += 1
        return real(query, term)

    monkeypatch.setattr(ranking, "relatedness", counted)
    return calls


def test_a_question_is_read_up_to_a_bounded_number_of_words() -> None:
    content, neutral = question_terms(hostile_text(MAX_TEXT_CHARS, seed=1))
    assert len(content) + len(neutral) <= MAX_QUESTION_TERMS


def test_the_lexical_work_stops_growing_past_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    documents = [ranking.Document(f.id, f.service, f.title, f.content) for f in FACTS]
    calls = _relatedness_counter(monkeypatch)
    text = hostile_text(MAX_TEXT_CHARS, seed=2)
    ranking.Index(documents).rank(text[: MAX_QUESTION_CHARS * 4])
    shorter = calls[0]
    calls[0] = 0
    ranking.Index(documents).rank(text)
    assert calls[0] == shorter  # 16 times longer, not one comparison more
    vocabulary = len({term for d in documents for term in (d.title + " " + d.body).split()})
    assert calls[0] <= MAX_QUESTION_TERMS * vocabulary * 2


async def test_four_hostile_messages_and_a_question_are_all_answered_with_bounded_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The one embedding thread takes each message's bounded start only, in turn."""
    model = TopicModel(TOPICS)
    embedder = E5Embedder(threads=1, loader=lambda threads: model)
    answerer = FactAnswerer(StaticFacts(), ranker=HybridRanker(embedder, Calibration()))
    calls = _relatedness_counter(monkeypatch)
    hostile = [hostile_text(60_000, seed=person) for person in range(4)]
    try:
        results = await asyncio.gather(
            *(answerer.find("RENSEIGNEMENT", text) for text in hostile),
            answerer.find("RENSEIGNEMENT", "Quelle heure pour la messe du dimanche ?"),
        )
    finally:
        embedder.close()
    *hostile_answers, answer = results
    assert answer is not None
    assert answer.sources == ("f-messe",)
    assert hostile_answers == [None] * 4  # nothing sure to say: a human will see them
    assert max(len(text) for text in model.queries) <= MAX_QUESTION_CHARS
    vocabulary = 40  # the two facts' words, generously
    assert calls[0] <= 5 * MAX_QUESTION_TERMS * vocabulary


def test_claude_reads_at_most_turn_chars_of_each_message_with_a_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    redacted: list[int] = []
    real = redaction.redact

    def recording(text: str) -> str:
        redacted.append(len(text))
        return real(text)

    monkeypatch.setattr(history, "redact", recording)
    at = datetime(2026, 11, 1, tzinfo=UTC)
    earlier = InteractionView(
        direction="in", text=hostile_text(MAX_TEXT_CHARS, seed=5), origin="", created_at=at
    )
    reply = InteractionView(
        direction="out", text="Je transmets à l'accueil.", origin="ai", created_at=at
    )
    sent = history.messages(
        [earlier, reply], [hostile_text(MAX_TEXT_CHARS, seed=6)], max_chars=100_000
    )
    user_texts = [str(message["content"]) for message in sent if message["role"] == "user"]
    assert len(user_texts) == 2
    for text in user_texts:
        assert "caractères suivants n'ont pas été lus" in text
        assert len(text) < history.TURN_CHARS + 100
    assert max(redacted) < history.TURN_CHARS + 100
