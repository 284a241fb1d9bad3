"""Handler of the ``ai`` flow: pass ready replies through, answer turns, or hand off.

Everything a person reads travels on their conversation's ``ai`` flow, so it
reaches ``outbound`` in order: a ready ``SendReply`` (a router or handoff
notice, a staff answer) is republished untouched but for its id; a
``GenerateReply`` gets an answer, or an apology and a handoff to a human.
Ids derive from the input's id, so a redelivered input publishes nothing new.
"""

from __future__ import annotations

import logging
from typing import Protocol

import msgspec

from ai import handoffs, metrics
from ai.answerer import Answer, Answerer
from ai.handoffs import HandoffOpener
from concierge_common import ids
from concierge_common.bus.consumer import Delivery
from concierge_common.errors import InvalidMessage
from concierge_common.messages import BusMessage, GenerateReply, HandoffRequested, SendReply

log = logging.getLogger(__name__)

NOT_TEXT = (
    "Je ne sais lire que les messages écrits pour le moment. Pouvez-vous écrire votre question ?"
)
SORRY = "Je n'ai pas trouvé d'information sûre pour vous répondre."


class Publishes(Protocol):
    """What the responder needs of :class:`concierge_common.bus.publisher.Publisher`."""

    async def publish(self, flow: str, message: BusMessage) -> object: ...


class Responder:
    """Consumes ``ai``; publishes to ``outbound`` and ``handoff``."""

    def __init__(self, publisher: Publishes, answerer: Answerer, opener: HandoffOpener) -> None:
        self._publisher = publisher
        self._answerer = answerer
        self._opener = opener

    async def __call__(self, message: BusMessage, delivery: Delivery) -> None:
        if isinstance(message, SendReply):
            await self._forward(message)
        elif isinstance(message, GenerateReply):
            await self._respond(message)
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

    async def _respond(self, turn: GenerateReply) -> None:
        texts = turn.turn_texts()
        if not texts:
            await self._reply(turn, NOT_TEXT)
            metrics.count_answer("not_text")
            return
        answer = await self._answerer.answer(turn)
        if answer is None:
            await self._hand_off(turn, texts)
            return
        await self._reply(turn, answer.text)
        metrics.count_answer("answered")
        _log_answer(answer)

    async def _reply(self, turn: GenerateReply, text: str) -> None:
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
        )
        await self._publisher.publish("outbound", reply)

    async def _hand_off(self, turn: GenerateReply, texts: list[str]) -> None:
        # Open first: from now on the person's next message goes to a human.
        summary = handoffs.summary(texts)
        opened = await self._opener.open(turn, summary)
        await self._reply(turn, SORRY)
        request = HandoffRequested(
            message_id=ids.derived_id("ai-handoff", turn.message_id),
            conversation_id=turn.conversation_id,
            correlation_id=turn.correlation_id,
            inbound=turn.inbound,
            reason=handoffs.REASON,
            requested_by="ai",
            handoff_id=opened.id if opened else "",
            reference=opened.reference if opened else "",
            summary=summary,
        )
        await self._publisher.publish("handoff", request)
        metrics.count_answer("handoff" if opened else "declined")
        log.info("no confident answer, handoff requested", extra={"opened": bool(opened)})


def _log_answer(answer: Answer) -> None:
    log.info("reply produced", extra={"kind": answer.kind, "sources": list(answer.sources)})
