"""Handler of the ``ai`` flow: pass ready replies through, answer turns, or hand off.

Everything a person reads travels on their conversation's ``ai`` flow, so it
reaches ``outbound`` in order: a ready ``SendReply`` (a router or handoff
notice, a staff answer) is republished untouched but for its id; a
``GenerateReply`` gets an answer, or an apology and a handoff to a human.
Ids derive from the input's id, so a redelivered input publishes nothing new.

A handoff carries its reason to the store and to staff: the answerer's
(:class:`ai.answerer.HandOff`, e.g. Claude's ``person_asked`` or
``ai_unavailable``, with its summary before the person's words), or
``no_matching_information`` when it had nothing sure to say (``None``). The
apology fits the reason; a person who asked for a human gets none (the handoff
notice that follows tells them a human is coming).

Before any answerer, a verified parent who asks for the calendar gets it as a
file (:mod:`ai.artifacts`). A turn without words is answered only when it
holds a readable image (:func:`ai.media_replies.images`, from any message of
the turn); otherwise the person is asked to write. Every reply names the person's message it answers
(``in_reply_to_provider_id``, for the read receipt) and when it was written
(``in_reply_to_at``: the store records no reply to a person erased since).

With a token budget (:mod:`ai.token_budget`, the Claude answerer), a turn
whose person or channel has spent the hour's tokens is not answered: the first
such turn of the hour gets :data:`OVER_BUDGET`, the next ones nothing.
"""

from __future__ import annotations

import logging
from typing import Protocol

import msgspec

from ai import handoffs, media_replies, metrics
from ai.answerer import Answer, Answerer, HandOff
from ai.artifacts import CalendarArtifacts, Produced
from ai.handoffs import HandoffOpener
from ai.language import FRENCH, phrase, written_in
from ai.token_budget import TokenBudget
from concierge_common import ids
from concierge_common.bus.consumer import Delivery
from concierge_common.contracts.messages import (
    Attachment,
    BusMessage,
    GenerateReply,
    HandoffRequested,
    SendReply,
    written_time,
)
from concierge_common.errors import InvalidMessage

log = logging.getLogger(__name__)

NOT_TEXT = media_replies.NO_WORDS
SORRY = phrase("no_sure_information", FRENCH)
UNAVAILABLE = phrase("unavailable", FRENCH)
DELICATE = phrase("delicate", FRENCH)
# The apology for a handoff reason (None: no apology), in the person's language
# (ai.language); "no_sure_information" for any other reason.
APOLOGIES: dict[str, str | None] = {
    "person_asked": None,
    "ai_unavailable": "unavailable",
    "ai_spend_limit": "unavailable",
    "ai_sensitive": "delicate",
}
# Told once an hour when a token budget is spent ("humain" is the router's command).
OVER_BUDGET = {
    "person": (
        "J'ai déjà beaucoup répondu à vos questions cette dernière heure et ne peux plus vous "
        "répondre moi-même pour le moment. Réessayez dans une heure, ou écrivez « humain » "
        "pour parler à une personne de l'accueil."
    ),
    "channel": (
        "Je reçois beaucoup de questions en ce moment et ne peux pas vous répondre moi-même "
        "tout de suite. Réessayez un peu plus tard, ou écrivez « humain » pour parler à une "
        "personne de l'accueil."
    ),
}


class Publishes(Protocol):
    """What the responder needs of :class:`concierge_common.bus.publisher.Publisher`."""

    async def publish(self, flow: str, message: BusMessage) -> object: ...


class Responder:
    """Consumes ``ai``; publishes to ``outbound`` and ``handoff``."""

    def __init__(
        self,
        publisher: Publishes,
        answerer: Answerer,
        opener: HandoffOpener,
        *,
        artifacts: CalendarArtifacts | None = None,
        budget: TokenBudget | None = None,
    ) -> None:
        self._publisher = publisher
        self._answerer = answerer
        self._opener = opener
        self._artifacts = artifacts
        self._budget = budget

    async def __call__(self, message: BusMessage, delivery: Delivery) -> None:
        if isinstance(message, SendReply):
            await self._forward(message)
        elif isinstance(message, GenerateReply):
            await self._respond(message, delivery)
        else:
            raise InvalidMessage(f"ai flow cannot carry {type(message).__name__}")

    async def _forward(self, reply: SendReply) -> None:
        # Same id would be dropped: JetStream de-duplicates ids across the whole stream.
        forwarded = msgspec.structs.replace(
            reply, message_id=ids.derived_id("ai-forward", reply.message_id)
        )
        await self._publisher.publish("outbound", forwarded)
        metrics.count_answer("forwarded")
        log.info("ready reply forwarded", extra={"origin": reply.origin})

    async def _respond(self, turn: GenerateReply, delivery: Delivery) -> None:
        if delivery.attempt > 1 and await self._finish_hand_off(turn):
            return
        produced = await self._artifacts.for_turn(turn) if self._artifacts else None
        if produced is not None:
            await self._send_file(turn, produced)
            return
        texts = turn.turn_texts()
        if not texts and not media_replies.images(turn):
            await self._reply(turn, NOT_TEXT)
            metrics.count_answer("not_text")
            return
        if not await self._within_budget(turn):
            return
        answer = await self._answerer.answer(turn)
        if not isinstance(answer, Answer):
            said = texts or [media_replies.IMAGE_ONLY_TURN]
            await self._hand_off(turn, said, answer or HandOff(handoffs.REASON))
            return
        await self._reply(turn, answer.text)
        metrics.count_answer("out_of_scope" if answer.kind == "out_of_scope" else "answered")
        _log_answer(answer)

    async def _within_budget(self, turn: GenerateReply) -> bool:
        """Whether the turn may be answered; if not, the hour's first refusal is told."""
        if self._budget is None:
            return True
        spent = await self._budget.check(turn)
        if spent.allowed:
            return True
        if spent.notify:
            await self._reply(turn, OVER_BUDGET[spent.scope])
        metrics.count_over_budget(spent.scope, notified=spent.notify)
        metrics.count_answer("over_budget")
        log.info("token budget spent", extra={"scope": spent.scope, "notice": spent.notify})
        return False

    async def _finish_hand_off(self, turn: GenerateReply) -> bool:
        """True when an earlier attempt of this turn opened a handoff: it is finished as decided.

        The answerer is not asked again: a second answer might differ, and the
        person, whose session is already with a human, would get it. Apology and
        request keep their ids, so what the first attempt published is not doubled.
        """
        opened = await self._opener.opened_by(turn)
        if opened is None:
            return False
        said = turn.turn_texts() or [media_replies.IMAGE_ONLY_TURN]
        await self._hand_off(turn, said, HandOff(opened.reason))
        log.info("handoff of an earlier attempt finished", extra={"reason": opened.reason})
        return True

    async def _send_file(self, turn: GenerateReply, produced: Produced) -> None:
        await self._reply(turn, produced.text, attachment=produced.attachment)
        metrics.count_answer("artifact")
        log.info("file sent", extra={"artifact_type": produced.attachment.artifact_type})

    async def _reply(
        self, turn: GenerateReply, text: str, *, attachment: Attachment | None = None
    ) -> None:
        inbound = turn.inbound
        reply = SendReply(
            message_id=ids.derived_id("ai", turn.message_id),
            conversation_id=turn.conversation_id,
            correlation_id=turn.correlation_id,
            session=inbound.session,
            chat_id=inbound.chat_id,
            text=text,
            in_reply_to=inbound.provider_message_id,
            origin="ai",
            attachment=attachment,
            in_reply_to_provider_id=inbound.provider_message_id,
            in_reply_to_at=written_time(inbound),
        )
        await self._publisher.publish("outbound", reply)

    async def _hand_off(self, turn: GenerateReply, texts: list[str], decided: HandOff) -> None:
        # Open first: from now on the person's next message goes to a human.
        summary = staff_summary(texts, decided.summary)
        opened = await self._opener.open(turn, summary, reason=decided.reason)
        apology = APOLOGIES.get(decided.reason, "no_sure_information")
        if decided.reply:
            await self._reply(turn, decided.reply)
        elif apology is not None:
            await self._reply(turn, phrase(apology, written_in(" ".join(texts))))
        request = HandoffRequested(
            message_id=ids.derived_id("ai-handoff", turn.message_id),
            conversation_id=turn.conversation_id,
            correlation_id=turn.correlation_id,
            inbound=turn.inbound,
            reason=decided.reason,
            requested_by="ai",
            handoff_id=opened.id if opened else "",
            reference=opened.reference if opened else "",
            summary=summary,
        )
        await self._publisher.publish("handoff", request)
        metrics.count_answer("handoff" if opened else "declined")
        log.info("handoff requested", extra={"opened": bool(opened), "reason": decided.reason})


def staff_summary(texts: list[str], said: str) -> str:
    """The person's words for staff, after the answerer's own summary when it gave one."""
    person = handoffs.summary(texts)
    return handoffs.summary([f"{said} — {person}"]) if said.strip() else person


def _log_answer(answer: Answer) -> None:
    log.info("reply produced", extra={"kind": answer.kind, "sources": list(answer.sources)})
