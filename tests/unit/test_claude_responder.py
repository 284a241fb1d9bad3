"""A handoff decided by the answerer (Claude) carries its reason and summary to the
store and to staff, with the apology that fits; ``None`` keeps the offline meaning."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ai.answerer import Answer, HandOff
from ai.handoffs import REASON, HandoffOpener
from ai.responder import SORRY, UNAVAILABLE, Responder, staff_summary
from concierge_common.contracts.messages import GenerateReply, HandoffRequested, SendReply
from support.ai_fakes import DELIVERY, HandoffStore, Published
from support.claude_store import turn

NOW = datetime(2026, 11, 25, 10, tzinfo=UTC)


class Decides:
    def __init__(self, result: Answer | HandOff | None) -> None:
        self.result = result

    async def answer(self, turn: GenerateReply) -> Answer | HandOff | None:
        return self.result


async def _run(result: Answer | HandOff | None) -> tuple[HandoffStore, Published]:
    store, published = HandoffStore(), Published()
    responder = Responder(published, Decides(result), HandoffOpener(store))
    await responder(turn("Je voudrais parler au curé"), DELIVERY)
    return store, published


def _texts(published: Published) -> list[str]:
    return [m.text for flow, m in published.messages if isinstance(m, SendReply)]


def _requested(published: Published) -> HandoffRequested:
    [request] = [m for flow, m in published.messages if isinstance(m, HandoffRequested)]
    return request


async def test_claudes_reason_and_summary_reach_the_store_and_staff() -> None:
    store, published = await _run(HandOff("ai_sensitive", "Deuil récent, souhaite un prêtre."))
    [opened] = store.requests
    assert opened.reason == "ai_sensitive"
    assert opened.summary == "Deuil récent, souhaite un prêtre. — Je voudrais parler au curé"
    request = _requested(published)
    assert (request.reason, request.reference, request.summary) == (
        "ai_sensitive",
        "H7K2P",
        opened.summary,
    )


async def test_a_person_asking_for_a_human_gets_no_apology_only_the_handoff() -> None:
    _, published = await _run(HandOff("person_asked"))
    assert _texts(published) == []
    assert _requested(published).reason == "person_asked"


@pytest.mark.parametrize(
    ("reason", "apology"),
    [("ai_unavailable", UNAVAILABLE), ("ai_spend_limit", UNAVAILABLE), ("ai_rejected", SORRY)],
)
async def test_the_apology_fits_the_reason(reason: str, apology: str) -> None:
    store, published = await _run(HandOff(reason))
    assert _texts(published) == [apology]
    assert store.requests[0].summary == "Je voudrais parler au curé"


async def test_no_answer_still_means_no_matching_information() -> None:
    store, published = await _run(None)
    assert store.requests[0].reason == REASON
    assert _texts(published) == [SORRY]


def test_the_staff_summary_is_capped() -> None:
    summary = staff_summary(["q" * 600], "résumé")
    assert summary.startswith("résumé — qqq")
    assert len(summary) == 500
