"""Foundation handoff: alert the staff chat.

What this stage does for real: the configured staff chat (``STAFF_CHAT_ID``)
gets a short summary with a reference (the person was already told by ai, on
the same path as every other reply, so the order of what the person reads is
kept). Without ``STAFF_CHAT_ID`` the request is only logged and counted by
the bus metrics. What it does not do yet (issue #4): keep the
conversation owned by a human, silence the bot meanwhile, relay staff
answers, return control, business hours. Until then the bot keeps answering
the person's next messages.
"""

from __future__ import annotations

import logging

from concierge_common import ids
from concierge_common.bus.consumer import Delivery
from concierge_common.bus.publisher import Publisher
from concierge_common.errors import InvalidMessage
from concierge_common.messages import BusMessage, HandoffRequested, SendReply

log = logging.getLogger(__name__)

_SUMMARY_CHARS = 300


class HandoffNotifier:
    """Handler of the ``handoff`` flow."""

    def __init__(self, publisher: Publisher, *, staff_chat_id: str, conversation_key: str) -> None:
        self._publisher = publisher
        self._staff_chat_id = staff_chat_id
        self._conversation_key = conversation_key

    async def __call__(self, message: BusMessage, delivery: Delivery) -> None:
        if not isinstance(message, HandoffRequested):
            raise InvalidMessage(f"handoff flow cannot carry {type(message).__name__}")
        if self._staff_chat_id:
            await self._alert_staff(message)
            log.info("staff alerted", extra={"reason": message.reason})
        else:
            log.warning(
                "handoff requested but STAFF_CHAT_ID is not set", extra={"reason": message.reason}
            )

    async def _alert_staff(self, request: HandoffRequested) -> None:
        inbound = request.inbound
        reference = request.conversation_id[:8]
        excerpt = inbound.text[:_SUMMARY_CHARS]
        text = (
            f"Demande transmise (réf. {reference}, motif : {request.reason}).\n"
            f"De : {inbound.push_name or inbound.chat_id}\n"
            f"Message : {excerpt}"
        )
        staff_conversation = ids.conversation_id(
            self._conversation_key, inbound.session, self._staff_chat_id
        )
        await self._publisher.publish(
            "outbound",
            SendReply(
                message_id=ids.derived_id("handoff-staff", request.message_id),
                conversation_id=staff_conversation,
                correlation_id=request.correlation_id,
                session=inbound.session,
                chat_id=self._staff_chat_id,
                text=text,
                origin="handoff",
            ),
        )
