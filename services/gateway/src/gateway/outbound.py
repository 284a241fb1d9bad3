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

Replies of ``POST /orchestrate`` conversations (session ``api``, chat
``<user>@api``, :mod:`gateway.api_channel`) never reach WAHA: they are
published on the conversation's core NATS reply subject, for the API request
waiting for them, and recorded exactly like WhatsApp replies. Another chat named
in the ``api`` session (a staff alert about an api conversation goes to the
staff chat) is sent through WAHA's own session, ``WAHA_SESSION``.
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
from gateway.api_channel import API_SESSION, ApiReplies, is_api_chat
from gateway.waha_client import WahaClient

log = logging.getLogger(__name__)

SENDING = b"sending"
SENT = b"sent"


class OutboundSender:
    """Handler of the ``outbound`` flow."""

    def __init__(
        self,
        waha: WahaClient,
        sent_replies: KeyValue,
        publisher: Publisher,
        api_replies: ApiReplies,
        *,
        whatsapp_session: str,
    ) -> None:
        self._waha = waha
        self._sent = sent_replies
        self._publisher = publisher
        self._api_replies = api_replies
        self._whatsapp_session = whatsapp_session

    async def __call__(self, message: BusMessage, delivery: Delivery) -> None:
        if not isinstance(message, SendReply):
            raise InvalidMessage(f"outbound flow cannot carry {type(message).__name__}")
        api = is_api_chat(message.session, message.chat_id)
        replies = metrics.API_REPLIES if api else metrics.REPLIES
        state = await self._state(message.message_id)
        provider_id = ""
        if state == SENT:
            replies.labels("duplicate_skipped").inc()
            log.info("reply already sent, not sending again")
        else:
            if state == SENDING:
                replies.labels("resent_after_crash").inc()
                log.warning("previous send attempt was interrupted, sending again")
            await self._sent.put(message.message_id, SENDING)
            provider_id = await self._deliver(message, api=api)
            await self._sent.put(message.message_id, SENT)
            replies.labels("published" if api else "sent").inc()
            log.info("reply sent", extra={"attempt": delivery.attempt, "api": api})
        await self._publisher.publish("sent", _sent_event(message, provider_id))

    async def _deliver(self, message: SendReply, *, api: bool) -> str:
        """Send through WAHA (its message id) or to the waiting API request ("")."""
        if api:
            await self._api_replies.publish(message)
            return ""
        session = self._whatsapp_session if message.session == API_SESSION else message.session
        return await self._waha.send_text(session, message.chat_id, message.text)

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
