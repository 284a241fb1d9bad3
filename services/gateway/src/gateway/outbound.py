"""Delivering replies to WAHA exactly once per reply, as far as WAHA allows.

A reply's state lives in a JetStream key-value bucket (durable, shared by
all gateway replicas) under the reply's message id:

* absent   -> claim it as ``sending``, call WAHA, mark it ``sent``;
* ``sent`` -> a redelivery: do not call WAHA again;
* ``sending`` -> a previous attempt died between the claim and the mark; the
  send may or may not have happened. WAHA cannot tell us yet (see issue #6:
  pre-generated message ids), so the reply is sent again and counted in
  ``concierge_gateway_replies_total{result="resent_after_crash"}``.

In every case a ``ReplySent`` event is (re)published with a deterministic id,
so the store records each reply once.
"""

from __future__ import annotations

import logging

from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from concierge_common import ids
from concierge_common.bus.consumer import Delivery
from concierge_common.bus.publisher import Publisher
from concierge_common.errors import InvalidMessage
from concierge_common.messages import BusMessage, ReplySent, SendReply
from gateway import metrics
from gateway.waha_client import WahaClient

log = logging.getLogger(__name__)

SENDING = b"sending"
SENT = b"sent"


class OutboundSender:
    """Handler of the ``outbound`` flow."""

    def __init__(self, waha: WahaClient, sent_replies: KeyValue, publisher: Publisher) -> None:
        self._waha = waha
        self._sent = sent_replies
        self._publisher = publisher

    async def __call__(self, message: BusMessage, delivery: Delivery) -> None:
        if not isinstance(message, SendReply):
            raise InvalidMessage(f"outbound flow cannot carry {type(message).__name__}")
        state = await self._state(message.message_id)
        provider_id = ""
        if state == SENT:
            metrics.REPLIES.labels("duplicate_skipped").inc()
            log.info("reply already sent, not sending again")
        else:
            if state == SENDING:
                metrics.REPLIES.labels("resent_after_crash").inc()
                log.warning("previous send attempt was interrupted, sending again")
            await self._sent.put(message.message_id, SENDING)
            provider_id = await self._waha.send_text(message.session, message.chat_id, message.text)
            await self._sent.put(message.message_id, SENT)
            metrics.REPLIES.labels("sent").inc()
            log.info("reply sent", extra={"attempt": delivery.attempt})
        await self._publisher.publish("sent", _sent_event(message, provider_id))

    async def _state(self, reply_id: str) -> bytes | None:
        try:
            entry = await self._sent.get(reply_id)
        except KeyNotFoundError:
            return None
        return entry.value


def _sent_event(message: SendReply, provider_id: str) -> ReplySent:
    return ReplySent(
        message_id=ids.derived_id("gateway-sent", message.message_id),
        conversation_id=message.conversation_id,
        correlation_id=message.correlation_id,
        reply_id=message.message_id,
        session=message.session,
        chat_id=message.chat_id,
        text=message.text,
        in_reply_to=message.in_reply_to,
        origin=message.origin,
        provider_message_id=provider_id,
    )
