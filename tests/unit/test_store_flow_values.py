"""Values the store derives for the conversation flows: handoff references staff can
read aloud, handoff ids, the interaction an operator message becomes, and how a
deadlock between concurrent flow writes is reported (retryable)."""

from __future__ import annotations

import re

import asyncpg
import pytest

from concierge_common.contracts.messages import OperatorMessageSeen
from concierge_common.errors import DownstreamUnavailable, NotFound
from store import interactions
from store.db import translated
from store.handoffs import REFERENCE_ALPHABET, handoff_id, new_reference


def test_references_use_no_ambiguous_character() -> None:
    assert not set("0O1IL") & set(REFERENCE_ALPHABET)
    references = {new_reference() for _ in range(2000)}
    assert all(re.fullmatch(r"H[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{4}", ref) for ref in references)
    assert len(references) > 1900  # 31**4 possibilities: repeats are rare


def test_a_handoff_id_is_canonical_and_a_malformed_one_names_nothing() -> None:
    assert (
        handoff_id("6F9619FF-8B86-D011-B42D-00C04FC964FF") == "6f9619ff-8b86-d011-b42d-00c04fc964ff"
    )
    with pytest.raises(NotFound):
        handoff_id("H7K2P")


def test_an_operator_message_is_an_outbound_interaction_of_origin_operator() -> None:
    message = OperatorMessageSeen(
        message_id="m1",
        conversation_id="c1",
        correlation_id="evt",
        session="default",
        chat_id="33600000001@c.us",
        provider_message_id="true_33600000001@c.us_ABC",
        text="Je vous rappelle.",
        sent_at=1_700_000_000,
    )
    item = interactions.operator(message)
    assert (item.whatsapp_id, item.direction, item.origin) == (
        "33600000001@c.us",
        "out",
        "operator",
    )
    assert item.provider_message_id == "true_33600000001@c.us_ABC"
    assert item.occurred_at.timestamp() == 1_700_000_000


def test_a_deadlock_between_transactions_is_retryable() -> None:
    with pytest.raises(DownstreamUnavailable), translated("handoff.open"):
        raise asyncpg.exceptions.DeadlockDetectedError("deadlock detected")
