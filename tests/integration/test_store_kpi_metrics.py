"""The store counts the conversations started and the handoffs by reason code.

These two counters feed the concierge's dashboard (conversations per hour,
containment, handoffs by reason); they move when the event happens, once, and a
reason that is not a short code never becomes a label.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from prometheus_client import REGISTRY

from concierge_common.contracts.store_api import HandoffOpen, SessionUpdate
from store.handoffs import Handoffs
from store.metrics import reason_label
from support.store_sessions import SessionStore, session_store

PHONE = "33600000791@c.us"
OTHER_PHONE = "33600000792@c.us"
CONVERSATION = "cd" * 16


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SessionStore]:
    async with session_store(database_url) as opened:
        yield opened


def _started() -> float:
    return REGISTRY.get_sample_value("concierge_store_sessions_started_total") or 0.0


def _reasons(reason: str) -> float:
    value = REGISTRY.get_sample_value("concierge_store_handoff_reasons_total", {"reason": reason})
    return value or 0.0


async def _open_handoff(store: SessionStore, user_id: str, reason: str) -> Any:
    request = HandoffOpen(
        conversation_id=CONVERSATION,
        user_id=user_id,
        wa_session="default",
        chat_id=PHONE,
        reason=reason,
        requested_by="person",
    )
    return await Handoffs(store.pool, store.sessions).open(request)


async def test_a_new_conversation_is_counted_once_and_its_next_messages_are_not(
    store: SessionStore,
) -> None:
    before = _started()
    first = await store.sessions.open(PHONE)
    assert first.created is True
    assert _started() == before + 1
    again = await store.sessions.open(PHONE)
    assert (again.id, again.created) == (first.id, False)
    assert _started() == before + 1


async def test_a_conversation_started_after_the_last_one_ended_counts_again(
    store: SessionStore,
) -> None:
    first = await store.sessions.open(OTHER_PHONE)
    await store.sessions.update(SessionUpdate(id=first.id, status="closed"))
    before = _started()
    second = await store.sessions.open(OTHER_PHONE)
    assert second.id != first.id
    assert _started() == before + 1


async def test_a_handoff_is_counted_under_its_reason_code_once(store: SessionStore) -> None:
    session = await store.sessions.open(PHONE)
    before = _reasons("person_asked")
    opened = await _open_handoff(store, session.user_id, "person_asked")
    again = await _open_handoff(store, session.user_id, "person_asked")
    assert opened.created is True
    assert again.created is False
    assert _reasons("person_asked") == before + 1


async def test_a_reason_in_free_text_is_counted_as_other(store: SessionStore) -> None:
    user_id = await store.users.resolve(store.pool, OTHER_PHONE)
    before = _reasons("other")
    await _open_handoff(store, user_id, "La personne demande le curé, 06 12 34 56 78")
    assert _reasons("other") == before + 1


def test_only_short_codes_are_reason_labels() -> None:
    assert reason_label("no_matching_information") == "no_matching_information"
    assert reason_label("ai_unsure") == "ai_unsure"
    assert reason_label("the assistant has no answer") == "other"
    assert reason_label("Person_Asked") == "other"
    assert reason_label("x" * 41) == "other"
    assert reason_label("") == "other"
