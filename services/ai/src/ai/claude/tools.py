"""The decisions Claude may take, as tools, and the decision read from its reply.

Claude is forced to call exactly one tool (``tool_choice`` ``any`` without
parallel calls, thinking disabled, ``strict`` schemas):

- ``answer(text, cited_fact_ids)``: a reply resting on the facts it cites;
- ``handoff_to_human(reason, summary)``: a human should take over;
- ``route_to_service(service, summary)``: the question belongs to another
  service of the catalog (offered only when there is one).

:func:`decision` reads the reply: a tool call becomes a :class:`Reply`,
:class:`Escalate` or :class:`Route`; a refusal, a reply cut by ``max_tokens``,
plain text or a malformed call becomes :class:`Unusable` (the caller hands off).
Whether a :class:`Reply` may be sent is :mod:`ai.claude.checks`'s business.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from anthropic.types import (
    Message,
    ThinkingConfigDisabledParam,
    ToolChoiceAnyParam,
    ToolParam,
    ToolUseBlock,
)

log = logging.getLogger(__name__)

ANSWER, HANDOFF, ROUTE = "answer", "handoff_to_human", "route_to_service"
TOOL_CHOICE: ToolChoiceAnyParam = {"type": "any", "disable_parallel_tool_use": True}
NO_THINKING: ThinkingConfigDisabledParam = {"type": "disabled"}
SUMMARY_CHARS = 300

# handoff_to_human's reasons, and the reason the store records for each.
HANDOFF_REASONS = {
    "person_asked": "person_asked",
    "not_in_facts": "no_matching_information",
    "sensitive": "ai_sensitive",
    "other": "ai_unsure",
}
UNSURE, REFUSAL = "ai_unsure", "ai_refusal"


@dataclass(frozen=True)
class Reply:
    text: str
    cited: tuple[str, ...]


@dataclass(frozen=True)
class Escalate:
    reason: str  # the store's reason code
    summary: str


@dataclass(frozen=True)
class Route:
    service: str
    summary: str


@dataclass(frozen=True)
class Unusable:
    reason: str  # the store's reason code: ai_unsure or ai_refusal
    detail: str  # for the metrics and logs: end_turn, max_tokens, malformed...


Decision = Reply | Escalate | Route | Unusable


@dataclass(frozen=True)
class Destination:
    """A service Claude may route to: its name and what it is about."""

    name: str
    description: str


def definitions(destinations: Sequence[Destination]) -> list[ToolParam]:
    """The tools of a request (``route_to_service`` only when there is somewhere to go)."""
    tools = [_answer_tool(), _handoff_tool()]
    if destinations:
        tools.append(_route_tool(destinations))
    return tools


def _schema(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _answer_tool() -> ToolParam:
    return {
        "name": ANSWER,
        "description": (
            "Répondre à la personne à partir des informations fournies. cited_fact_ids : les id"
            " des informations utilisées (vide seulement pour une courte formule de politesse)."
        ),
        "input_schema": _schema(
            {
                "text": {"type": "string", "description": "La réponse, à envoyer telle quelle."},
                "cited_fact_ids": {"type": "array", "items": {"type": "string"}},
            }
        ),
        "strict": True,
    }


def _handoff_tool() -> ToolParam:
    return {
        "name": HANDOFF,
        "description": (
            "Confier la conversation à une personne de l'accueil : la personne le demande, la"
            " réponse n'est pas dans les informations, ou la situation est délicate."
        ),
        "input_schema": _schema(
            {
                "reason": {"type": "string", "enum": list(HANDOFF_REASONS)},
                "summary": {
                    "type": "string",
                    "description": "En une phrase, pour l'accueil : ce que veut la personne.",
                },
            }
        ),
        "strict": True,
    }


def _route_tool(destinations: Sequence[Destination]) -> ToolParam:
    listed = "; ".join(f"{d.name} : {d.description}" for d in destinations)
    return {
        "name": ROUTE,
        "description": f"La question relève d'un autre service de la paroisse ({listed}).",
        "input_schema": _schema(
            {
                "service": {"type": "string", "enum": [d.name for d in destinations]},
                "summary": {"type": "string", "description": "La question, en une phrase."},
            }
        ),
        "strict": True,
    }


def decision(message: Message) -> Decision:
    """What Claude decided in ``message``."""
    if message.stop_reason == "refusal":
        return Unusable(REFUSAL, "refusal")
    call = next((block for block in message.content if isinstance(block, ToolUseBlock)), None)
    if message.stop_reason != "tool_use" or call is None:
        return Unusable(UNSURE, message.stop_reason or "no_stop_reason")
    try:
        return _read_call(call)
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("malformed tool call", extra={"tool": call.name, "error": str(exc)})
        return Unusable(UNSURE, "malformed")


def _read_call(call: ToolUseBlock) -> Decision:
    args = call.input if isinstance(call.input, dict) else {}
    if call.name == ANSWER:
        text = _text(args, "text")
        cited = args["cited_fact_ids"]
        if not text or not isinstance(cited, list) or not all(isinstance(i, str) for i in cited):
            raise ValueError("answer needs a text and a list of ids")
        return Reply(text, tuple(cited))
    if call.name == HANDOFF:
        reason = HANDOFF_REASONS.get(_text(args, "reason"), UNSURE)
        return Escalate(reason, _text(args, "summary")[:SUMMARY_CHARS])
    if call.name == ROUTE:
        return Route(_text(args, "service"), _text(args, "summary")[:SUMMARY_CHARS])
    raise ValueError(f"unknown tool {call.name!r}")


def _text(args: dict[str, Any], key: str) -> str:
    value = args[key]
    if not isinstance(value, str):
        raise TypeError(f"{key} is not a string")
    return value.strip()
