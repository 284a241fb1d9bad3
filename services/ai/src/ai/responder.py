"""Handler of the ``ai`` flow: answer the turn, or tell the person and ask for a human."""

from __future__ import annotations

import logging

from ai.answerer import HANDING_OFF, NOT_TEXT, Answer, KeywordAnswerer
from concierge_common import ids
from concierge_common.bus.consumer import Delivery
from concierge_common.bus.publisher import Publisher
from concierge_common.errors import InvalidMessage
from concierge_common.messages import (
    BusMessage,
    GenerateReply,
    HandoffRequested,
    MessageReceived,
    SendReply,
)

log = logging.getLogger(__name__)


class Responder:
    """Turns a ``GenerateReply`` into a ``SendReply`` or a ``HandoffRequested``."""

    def __init__(self, publisher: Publisher, answerer: KeywordAnswerer) -> None:
        self._publisher = publisher
        self._answerer = answerer

    async def __call__(self, message: BusMessage, delivery: Delivery) -> None:
        if not isinstance(message, GenerateReply):
            raise InvalidMessage(f"ai flow cannot carry {type(message).__name__}")
        inbound = message.inbound
        if not inbound.text:
            await self._reply(message, Answer(NOT_TEXT, None))
            return
        answer = self._answerer.answer(inbound.text)
        if answer is None:
            await self._hand_off(message, inbound)
            return
        await self._reply(message, answer)

    async def _reply(self, command: GenerateReply, answer: Answer) -> None:
        inbound = command.inbound
        reply = SendReply(
            message_id=ids.derived_id("ai", command.message_id),
            conversation_id=command.conversation_id,
            correlation_id=command.correlation_id,
            session=inbound.session,
            chat_id=inbound.chat_id,
            text=answer.text,
            in_reply_to=inbound.provider_message_id,
        )
        await self._publisher.publish("outbound", reply)
        log.info("reply produced", extra={"fact_id": answer.fact_id})

    async def _hand_off(self, command: GenerateReply, inbound: MessageReceived) -> None:
        # The person is told on the same path as every other reply (ai -> outbound),
        # so this notice can never overtake or be overtaken by another reply.
        await self._reply(command, Answer(HANDING_OFF, None))
        request = HandoffRequested(
            message_id=ids.derived_id("ai-handoff", command.message_id),
            conversation_id=command.conversation_id,
            correlation_id=command.correlation_id,
            inbound=inbound,
            reason="no_matching_information",
        )
        await self._publisher.publish("handoff", request)
        log.info("no confident answer, handoff requested")
