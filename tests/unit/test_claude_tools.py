"""Claude's reply read as a decision: a tool call, or something to hand off."""

from __future__ import annotations

from typing import Any

import pytest
from anthropic.types import Message

from ai.claude import tools
from ai.claude.tools import Destination, Escalate, Reply, Route, Unusable, decision, definitions


def _message(content: list[dict[str, Any]], stop_reason: str) -> Message:
    return Message.model_validate(
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-haiku-5-5",
            "content": content,
            "stop_reason": stop_reason,
            "usage": {"input_tokens": 1, "output_tokens": 1},
        }
    )


def _call(name: str, arguments: dict[str, Any]) -> Message:
    block = {"type": "tool_use", "id": "toolu_1", "name": name, "input": arguments}
    return _message([block], "tool_use")


def test_route_to_service_is_offered_only_with_somewhere_to_go() -> None:
    assert [tool["name"] for tool in definitions([])] == ["answer", "handoff_to_human"]
    offered = definitions([Destination("CATECHESE", "Le caté.")])
    route = offered[-1]
    assert route["name"] == "route_to_service"
    assert "CATECHESE : Le caté." in route.get("description", "")


def test_an_answer_call_is_a_reply_with_its_citations() -> None:
    message = _call("answer", {"text": " Le dimanche. ", "cited_fact_ids": ["f1", "f2"]})
    assert decision(message) == Reply("Le dimanche.", ("f1", "f2"))


def test_a_thinking_block_before_the_call_is_skipped() -> None:
    thinking = {"type": "thinking", "thinking": "...", "signature": "sig"}
    call = {
        "type": "tool_use",
        "id": "t",
        "name": "answer",
        "input": {"text": "Oui.", "cited_fact_ids": []},
    }
    assert decision(_message([thinking, call], "tool_use")) == Reply("Oui.", ())


@pytest.mark.parametrize(
    ("reason", "stored"),
    [
        ("person_asked", "person_asked"),
        ("not_in_facts", "no_matching_information"),
        ("sensitive", "ai_sensitive"),
        ("other", "ai_unsure"),
        ("made_up", "ai_unsure"),
    ],
)
def test_a_handoff_call_maps_its_reason_to_the_stores(reason: str, stored: str) -> None:
    message = _call("handoff_to_human", {"reason": reason, "summary": "x" * 400})
    decided = decision(message)
    assert decided == Escalate(stored, "x" * tools.SUMMARY_CHARS)


def test_a_route_call_names_the_service() -> None:
    message = _call("route_to_service", {"service": "CATECHESE", "summary": "Caté"})
    assert decision(message) == Route("CATECHESE", "Caté")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (_message([], "refusal"), Unusable("ai_refusal", "refusal")),
        (
            _message([{"type": "text", "text": "Oui"}], "end_turn"),
            Unusable("ai_unsure", "end_turn"),
        ),
        (
            _message([{"type": "text", "text": "La"}], "max_tokens"),
            Unusable("ai_unsure", "max_tokens"),
        ),
        (_call("answer", {"text": "", "cited_fact_ids": []}), Unusable("ai_unsure", "malformed")),
        (
            _call("answer", {"text": "Oui", "cited_fact_ids": [3]}),
            Unusable("ai_unsure", "malformed"),
        ),
        (_call("answer", {"text": "Oui"}), Unusable("ai_unsure", "malformed")),
        (_call("delete_everything", {}), Unusable("ai_unsure", "malformed")),
    ],
)
def test_anything_else_is_unusable(message: Message, expected: Unusable) -> None:
    assert decision(message) == expected
