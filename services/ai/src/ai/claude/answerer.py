"""The Claude answerer: one turn, one (at most two) Messages API requests, checked in code.

For a turn of a service: the service's prompt and its facts valid now (and the
family record of a verified parent) as system blocks (:mod:`ai.claude.prompt`),
the bounded conversation history then the turn as messages
(:mod:`ai.claude.history`), and the decision tools (:mod:`ai.claude.tools`).
What Claude decides is then acted upon:

- ``answer``: sent when :mod:`ai.claude.checks` accepts it (known citations,
  no invented contact details, no piece of the instructions); else the turn
  is handed off (``ai_rejected``);
- ``handoff_to_human``: handed off with Claude's reason and summary;
- ``route_to_service``: asked once more within the target service when the
  person may read its facts (no required role, or a parent's service whose
  facts are general: the family record is never carried over); never a second
  hop; else handed off (``person_asked`` for a human service, ``ai_routed``);
- a refusal, plain text, a reply cut short: handed off (``ai_refusal``, ``ai_unsure``);
- a request that still fails after the SDK's retries: handed off
  (``ai_unavailable``, ``ai_spend_limit``), an ERROR log for a configuration error.

Every request's tokens are added to the person's and channel's budgets of the
hour (``usage``: :mod:`ai.token_budget`; the responder checks them first).

A bare greeting or thanks gets the offline courtesy without asking Claude.
An image the person sent goes with the turn as an image block
(:mod:`ai.claude.images`), with :data:`ai.media_replies.IMAGE_ONLY_TURN` as the
text when it came alone; an image alone that cannot be sent gets
:data:`ai.media_replies.IMAGE_UNREAD` without asking Claude.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import anthropic
from anthropic.types import ImageBlockParam, Message, MessageParam

from ai import media_replies, metrics
from ai.answerer import Answer, HandOff, courtesy, turn_text
from ai.claude import checks, history, prompt, tools
from ai.claude.catalog import Entry
from ai.claude.client import Request, failure_of
from ai.claude.costs import Prices, Tokens, cost
from ai.facts import Clock, FactSource, utc_now
from ai.token_budget import TokenBudget
from concierge_common.contracts.messages import GenerateReply
from concierge_common.contracts.store_api import InteractionView

log = logging.getLogger(__name__)

REJECTED, ROUTED, PERSON_ASKED = "ai_rejected", "ai_routed", "person_asked"
# Roles whose service's facts are general information anyone may read: what is
# personal to a parent is the family record, which only their own turns carry.
GENERAL_FACTS_ROLES = frozenset({"parent"})


class Sender(Protocol):
    async def send(self, request: Request) -> Message: ...


class Services(Protocol):
    async def services(self) -> dict[str, Entry]: ...


class History(Protocol):
    async def recent(
        self, session_id: str, carried: list[InteractionView] | None = None
    ) -> list[InteractionView]: ...


class Images(Protocol):
    async def blocks_of(self, turn: GenerateReply) -> list[ImageBlockParam]: ...


@dataclass(frozen=True)
class Limits:
    history_chars: int = 4000


@dataclass(frozen=True)
class _Ask:
    """One request to make for a turn: which service, with which family, may it route."""

    turn: GenerateReply
    service: str
    messages: list[MessageParam]
    family: Mapping[str, Any] | None
    may_route: bool


class ClaudeAnswerer:
    """Answers turns with Claude; implements :class:`ai.answerer.Answerer`."""

    def __init__(
        self,
        sender: Sender,
        facts: FactSource,
        catalog: Services,
        conversation: History,
        *,
        prices: Prices,
        zone: ZoneInfo,
        limits: Limits | None = None,
        images: Images | None = None,
        clock: Clock = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        usage: TokenBudget | None = None,
    ) -> None:
        self._sender = sender
        self._facts = facts
        self._catalog = catalog
        self._conversation = conversation
        self._prices = prices
        self._zone = zone
        self._limits = limits or Limits()
        self._images = images
        self._clock = clock
        self._monotonic = monotonic
        self._usage = usage

    async def answer(self, turn: GenerateReply) -> Answer | HandOff:
        polite = courtesy(turn_text(turn))
        if polite is not None:
            return polite
        images = await self._images.blocks_of(turn) if self._images else []
        texts = turn.turn_texts()
        if not texts and not images:
            return Answer(media_replies.IMAGE_UNREAD, "courtesy")
        said = await self._conversation.recent(turn.session_id, turn.history)
        messages = history.messages(
            said,
            texts or [media_replies.IMAGE_ONLY_TURN],
            max_chars=self._limits.history_chars,
            images=images,
        )
        ask = _Ask(turn, turn.service, messages, turn.family, may_route=True)
        return await self._ask(ask, await self._catalog.services())

    async def _ask(self, ask: _Ask, services: dict[str, Entry]) -> Answer | HandOff:
        entry = services.get(ask.service)
        now = self._clock()
        built = prompt.build(
            entry.system_prompt if entry else "",
            await self._facts.facts(ask.service),
            now,
            now.astimezone(self._zone).date(),
            ask.family,
        )
        destinations = _destinations(services, ask.service) if ask.may_route else []
        request = Request(
            built.blocks, ask.messages, tools.definitions(destinations), ask.turn.user_ref
        )
        try:
            message = await self._send(request, ask.turn)
        except anthropic.AnthropicError as err:
            return _failed(err)
        return await self._act(tools.decision(message), built, ask, services)

    async def _send(self, request: Request, turn: GenerateReply) -> Message:
        started = self._monotonic()
        try:
            message = await self._sender.send(request)
        finally:
            metrics.CLAUDE_SECONDS.observe(self._monotonic() - started)
        tokens = Tokens.of(message.usage)
        metrics.count_claude_usage(tokens.by_kind(), cost(tokens, self._prices))
        if self._usage is not None:
            await self._usage.record(turn, sum(tokens.by_kind().values()))
        log.info(
            "claude replied",
            extra={
                "request_id": getattr(message, "_request_id", None),
                "stop_reason": message.stop_reason,
                **{f"tokens_{kind}": count for kind, count in tokens.by_kind().items()},
            },
        )
        return message

    async def _act(
        self,
        decided: tools.Decision,
        built: prompt.Prompt,
        ask: _Ask,
        services: dict[str, Entry],
    ) -> Answer | HandOff:
        if isinstance(decided, tools.Reply):
            return _checked(decided, built)
        if isinstance(decided, tools.Escalate):
            return _handoff(decided.reason, decided.summary)
        if isinstance(decided, tools.Route):
            return await self._route(decided, ask, services)
        return _handoff(decided.reason, "", detail=decided.detail)

    async def _route(
        self, route: tools.Route, ask: _Ask, services: dict[str, Entry]
    ) -> Answer | HandOff:
        target = services.get(route.service)
        if target is not None and not target.answered_by_ai:
            return _handoff(PERSON_ASKED, route.summary)
        if not ask.may_route or target is None or target.name == ask.service:
            return _handoff(ROUTED, route.summary)
        if target.required_role is not None and target.required_role not in GENERAL_FACTS_ROLES:
            return _handoff(ROUTED, route.summary)
        log.info("claude routed the turn", extra={"to_service": target.name})
        hop = _Ask(ask.turn, target.name, ask.messages, None, may_route=False)
        return await self._ask(hop, services)


def _destinations(services: Mapping[str, Entry], current: str) -> list[tools.Destination]:
    return [
        tools.Destination(entry.name, entry.description)
        for entry in services.values()
        if entry.name != current
    ]


def _checked(reply: tools.Reply, built: prompt.Prompt) -> Answer | HandOff:
    verdict = checks.verify(reply, built)
    if not verdict.accepted:
        metrics.count_claude_turn("rejected", verdict.problem)
        log.warning("claude's answer rejected", extra={"problem": verdict.problem})
        return HandOff(REJECTED)
    metrics.count_claude_turn("answered", verdict.kind)
    sources = tuple(cited for cited in reply.cited if cited != prompt.FAMILY_ID)
    return Answer(reply.text, verdict.kind, sources)


def _handoff(reason: str, summary: str, *, detail: str = "") -> HandOff:
    metrics.count_claude_turn("handoff", reason)
    log.info("claude hands the turn off", extra={"reason": reason, "detail": detail})
    return HandOff(reason, summary)


def _failed(err: anthropic.AnthropicError) -> HandOff:
    failure = failure_of(err)
    metrics.count_claude_turn("error", failure.error)
    extra = {
        "error": failure.error,
        "request_id": getattr(err, "request_id", None),
        "status": getattr(err, "status_code", None),
        "reason": failure.reason,
    }
    if failure.config:
        log.error("claude request refused: check the configuration", extra=extra)
    else:
        log.warning("claude unavailable, handing off", extra=extra)
    return HandOff(failure.reason)
