"""Delivering replies to WAHA exactly once per reply, as far as WAHA allows.

The ``outbound`` flow is ordered per conversation: one reply at a time per
partition. A WhatsApp reply goes out through :class:`gateway.whatsapp_send.WhatsAppSender`:
seen, typing and text as WAHA advises, long replies in several messages,
within the rate limits, each message claimed and marked in the ``sent``
bucket (:mod:`gateway.send_ledger`) around a pre-generated WAHA message id,
so that a redelivery never sends a message twice. The last part's mark says
the whole reply went out; a later redelivery is only counted
(``duplicate_skipped``).

WAHA's answers decide what happens on failure:

* unavailable (422 while the session is not WORKING, 5xx, 429, WAHA not
  reachable) propagates, and the bus retries with its backoff, then
  dead-letters; the retry looks the message up in WAHA before sending it again;
* no answer at all (the client's timeout while a slow phone session sends, a
  dropped connection): the message is **in doubt**. It propagates too, but a
  retry only looks it up in WAHA and never sends it again: found, the reply
  goes on; not found, the retry fails again (``SendInDoubt``) until the
  attempts are spent, and the dead letter hands the conversation to a human
  (:mod:`gateway.send_check` argues why not doubling wins);
* refused for good (WhatsApp's 463 reachout timelock, another 4xx) publishes
  :class:`ReplyFailed` on the ``sent`` flow (the store records the undelivered
  reply), is counted in ``concierge_gateway_send_failures_total`` and
  re-raised, so the reply is dead-lettered at once and the handoff service
  tells staff.

In every successful case a ``ReplySent`` event is (re)published with a
deterministic id, so the store records each reply once.

Replies of ``POST /orchestrate`` conversations (session ``api``, chat
``<user>@api``, :mod:`gateway.api_channel`) never reach WAHA: they are
published on the conversation's core NATS reply subject, for the API request
waiting for them, and recorded exactly like WhatsApp replies. Another chat named
in the ``api`` session (a staff alert about an api conversation goes to the
staff chat) is sent through WAHA's own session, ``WAHA_SESSION``.
"""

from __future__ import annotations

import logging
from typing import Any

from nats.js.kv import KeyValue

from concierge_common import ids
from concierge_common.bus.consumer import Delivery
from concierge_common.bus.publisher import Publisher
from concierge_common.contracts.messages import BusMessage, ReplyFailed, ReplySent, SendReply
from concierge_common.errors import DownstreamRejected, InvalidMessage, NotFound
from gateway import metrics
from gateway.api_channel import API_SESSION, ApiReplies, is_api_chat
from gateway.send_ledger import SENDING, SENT, SendLedger
from gateway.waha_client import TIMELOCK_STATUS, WahaClient
from gateway.whatsapp_send import SendOptions, Sent, WhatsAppSender

__all__ = ["SENDING", "SENT", "OutboundSender", "SendOptions"]

log = logging.getLogger(__name__)


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
        options: SendOptions | None = None,
    ) -> None:
        self._ledger = SendLedger(sent_replies)
        self._whatsapp = WhatsAppSender(waha, self._ledger, options or SendOptions())
        self._publisher = publisher
        self._api_replies = api_replies
        self._whatsapp_session = whatsapp_session

    async def __call__(self, message: BusMessage, delivery: Delivery) -> None:
        if not isinstance(message, SendReply):
            raise InvalidMessage(f"outbound flow cannot carry {type(message).__name__}")
        if is_api_chat(message.session, message.chat_id):
            await self._to_api(message, delivery)
        else:
            await self._to_whatsapp(message, delivery)

    async def _to_api(self, message: SendReply, delivery: Delivery) -> None:
        """Publish to the waiting API request (again after an interrupted attempt)."""
        state = await self._ledger.reply(message.message_id)
        if state == SENT:
            metrics.API_REPLIES.labels("duplicate_skipped").inc()
            log.info("reply already sent, not sending again")
        else:
            if state == SENDING:
                metrics.API_REPLIES.labels("resent_after_crash").inc()
                log.warning("previous send attempt was interrupted, sending again")
            await self._ledger.set_reply(message.message_id, SENDING)
            await self._api_replies.publish(message)
            await self._ledger.set_reply(message.message_id, SENT)
            metrics.API_REPLIES.labels("published").inc()
            metrics.observe_reply_latency(message.origin, "api", message.in_reply_to_at)
            log.info("reply sent", extra={"attempt": delivery.attempt, "api": True})
        await self._publisher.publish("sent", _sent_event(message, []))

    async def _to_whatsapp(self, message: SendReply, delivery: Delivery) -> None:
        sent = await self._send(message)
        if sent.before:
            metrics.REPLIES.labels("duplicate_skipped").inc()
            log.info("reply already sent, not sending again")
        else:
            metrics.REPLIES.labels("sent").inc()
            metrics.observe_reply_latency(message.origin, "whatsapp", message.in_reply_to_at)
            log.info(
                "reply sent",
                extra={"attempt": delivery.attempt, "api": False, "parts": len(sent.ids)},
            )
        await self._publisher.publish("sent", _sent_event(message, sent.ids))

    async def _send(self, message: SendReply) -> Sent:
        session = self._whatsapp_session if message.session == API_SESSION else message.session
        try:
            return await self._whatsapp.send(message, session)
        except DownstreamRejected as exc:
            reason = "timelock" if exc.status == TIMELOCK_STATUS else "rejected"
            await self._refused(message, reason, exc.status or 0)
            raise
        except NotFound:  # the attachment is not in the media storage
            await self._refused(message, "attachment_missing", 0)
            raise

    async def _refused(self, message: SendReply, reason: str, status: int) -> None:
        """Record and count a reply that can never be delivered (it is dead-lettered next)."""
        metrics.SEND_FAILURES.labels(reason, message.origin).inc()
        log.warning(
            "reply refused for good, not retried",
            extra={"reason": reason, "status": status, "origin": message.origin},
        )
        await self._publisher.publish("sent", _failed_event(message, reason, status))


def _outcome(message: SendReply, purpose: str) -> dict[str, Any]:
    """What a ``ReplySent`` or ``ReplyFailed`` repeats of the reply (its id derived once)."""
    return {
        "message_id": ids.derived_id(purpose, message.message_id),
        "conversation_id": message.conversation_id,
        "correlation_id": message.correlation_id,
        "reply_id": message.message_id,
        "session": message.session,
        "chat_id": message.chat_id,
        "text": message.text,
        "in_reply_to": message.in_reply_to,
        "origin": message.origin,
        "attachment": message.attachment,
        # What the store checks against an erasure of the person: what the reply answers.
        "in_reply_to_at": message.in_reply_to_at or message.created_at,
    }


def _sent_event(message: SendReply, provider_ids: list[str]) -> ReplySent:
    return ReplySent(
        **_outcome(message, "gateway-sent"),
        provider_message_id=provider_ids[0] if provider_ids else "",
        provider_message_ids=list(provider_ids),
    )


def _failed_event(message: SendReply, reason: str, status: int) -> ReplyFailed:
    return ReplyFailed(**_outcome(message, "gateway-failed"), status=status, reason=reason)
