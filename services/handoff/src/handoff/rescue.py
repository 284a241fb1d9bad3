"""When processing fails for good, a human takes over: the "error" trigger of a handoff.

A message of a conversation that was dead-lettered (:class:`ProcessingFailed`,
announced by :mod:`concierge_common.bus.settle`) may leave a person without an
answer. What happens depends on what failed:

- a person's message or turn (``inbound``/``ai`` flows): the conversation is
  handed to a human (store ``handoff.open``, requested_by ``error``) and the
  usual alert tells staff and the person (``HandoffRequested``); if a human
  already owns it, staff are shown the message that could not be handled;
- a reply typed on the phone (``OperatorMessageSeen``): the phone's human gets
  the conversation anyway, so the bot never talks over them;
- something on the ``handoff`` flow itself: staff are told directly in their
  chat (never through the ``handoff`` flow again, which could loop);
- a reply WhatsApp refused for good (``SendReply`` on the ``outbound`` flow,
  463 or another 4xx): to a person, the conversation is handed to a human
  (reason ``delivery_failed``) and staff are told directly, with the
  undelivered text; the person gets no notice (it would be refused too). A
  staff answer that was refused is shown back to staff; a failed message to
  the staff chat itself is only counted (telling staff there would loop). A
  reply the gateway sent but WhatsApp never confirmed (``SendInDoubt``: it may
  have arrived, so it was not sent twice) is handled the same way, and staff
  are asked to check the conversation rather than told it was refused;
- anything else (a ready reply that could not be forwarded...): counted and
  logged, nothing to hand over.
Every id derives from the failure, so a retried rescue republishes nothing new;
the store keeps the failure's id as the one that opened the handoff, so a retry
whose first attempt opened it (the store's reply lost) still requests the alert.
The person is looked up with when their message (or what the failed reply
answers) was written: a person erased since is not brought back by a rescue
(the store answers ``Erased``), and the failure is only counted (``erased``).
"""

from __future__ import annotations

import logging
from typing import Protocol

from concierge_common import ids
from concierge_common.bus.consumer import Delivery
from concierge_common.contracts import store_api as api
from concierge_common.contracts.messages import (
    BusMessage,
    Codec,
    GenerateReply,
    HandoffRequested,
    MessageReceived,
    OperatorMessageSeen,
    ProcessingFailed,
    RelayToStaff,
    SendReply,
    StaffMessageReceived,
    written_time,
)
from concierge_common.errors import Erased, InvalidMessage
from concierge_common.metrics import child
from handoff import metrics, phrases
from handoff.outbox import Outbox, Publishes, Recipient

log = logging.getLogger(__name__)

REASON = "processing_error"
DELIVERY_FAILED = "delivery_failed"
# The error class the gateway dead-letters a reply with when WAHA never confirmed
# sending it (gateway.send_check; services do not import each other, so by name).
SEND_IN_DOUBT = "SendInDoubt"
# The chats a person writes from (groups, broadcasts and API chats are not handed over).
_PERSON_CHAT_SUFFIXES = ("@c.us", "@lid", "@s.whatsapp.net")
_ORIGINALS = Codec(
    MessageReceived,
    OperatorMessageSeen,
    GenerateReply,
    HandoffRequested,
    RelayToStaff,
    StaffMessageReceived,
    SendReply,
)
STAFF_MESSAGE_FAILED = (
    "⚠️ Votre message n'a pas pu être traité à cause d'un incident technique. "
    "Réessayez dans un instant, ou passez par la console."
)


class RescueStore(Protocol):
    async def open_handoff(self, request: api.HandoffOpen) -> api.HandoffView: ...

    async def user_of(self, whatsapp_id: str, *, written_at: float = 0.0) -> str: ...


class Rescue:
    """Handles the ``failed`` flow."""

    def __init__(self, store: RescueStore, outbox: Outbox, publisher: Publishes) -> None:
        self._store = store
        self._outbox = outbox
        self._publisher = publisher

    async def __call__(self, message: BusMessage, delivery: Delivery) -> None:
        if not isinstance(message, ProcessingFailed):
            raise InvalidMessage(f"failed flow cannot carry {type(message).__name__}")
        try:
            outcome = await self._rescue(message)
        except Erased:
            outcome = "erased"  # the person was erased after the failed message was written
        child(metrics.RESCUES, message.flow, outcome).inc()
        log.warning(
            "dead-lettered message rescued",
            extra={"flow": message.flow, "error_type": message.error_type, "outcome": outcome},
        )

    async def _rescue(self, failed: ProcessingFailed) -> str:
        try:
            original = _ORIGINALS.decode(bytes(failed.original))
        except InvalidMessage:
            return "undecodable"
        if isinstance(original, StaffMessageReceived):
            await self._tell_staff_chat(failed, original.inbound)
            return "staff_told"
        if isinstance(original, OperatorMessageSeen):
            await self._phone_takes_over(failed, original)
            return "phone_owner"
        if isinstance(original, SendReply) and failed.flow == "outbound":
            return await self._undelivered(failed, original)
        inbound = _person_message(original)
        if inbound is None:
            return "ignored"
        if failed.flow == "handoff":
            await self._alert_directly(failed, inbound)
            return "staff_alerted"
        user_id = original.user_id if isinstance(original, GenerateReply) else ""
        return await self._hand_over(failed, inbound, user_id)

    async def _hand_over(
        self, failed: ProcessingFailed, inbound: MessageReceived, user: str
    ) -> str:
        handoff = await self._store.open_handoff(
            api.HandoffOpen(
                conversation_id=failed.conversation_id,
                user_id=user
                or await self._store.user_of(inbound.chat_id, written_at=written_time(inbound)),
                wa_session=inbound.session,
                chat_id=inbound.chat_id,
                reason=REASON,
                requested_by="error",
                summary=phrases.excerpt(inbound.text),
                message_id=failed.message_id,
            )
        )
        if not _opened_for(handoff, failed):
            await self._alert_directly(failed, inbound, handoff.reference)
            return "staff_alerted"
        request = HandoffRequested(
            message_id=ids.derived_id("rescue", failed.message_id),
            conversation_id=failed.conversation_id,
            correlation_id=failed.correlation_id,
            inbound=inbound,
            reason=REASON,
            requested_by="error",
            handoff_id=handoff.id,
            reference=handoff.reference,
            summary=phrases.excerpt(inbound.text),
        )
        await self._publisher.publish("handoff", request)
        return "handed_off"

    async def _undelivered(self, failed: ProcessingFailed, reply: SendReply) -> str:
        if self._outbox.is_staff_chat(reply.chat_id) or not _is_person_chat(reply.chat_id):
            return "staff_chat_undelivered"
        in_doubt = failed.error_type == SEND_IN_DOUBT
        if reply.origin == "staff":
            await self._tell_staff_undelivered(
                failed, reply, phrases.staff_reply_undelivered(reply.text, in_doubt=in_doubt)
            )
            return "staff_told"
        handoff = await self._store.open_handoff(
            api.HandoffOpen(
                conversation_id=failed.conversation_id,
                user_id=await self._store.user_of(
                    reply.chat_id, written_at=reply.in_reply_to_at or reply.created_at
                ),
                wa_session=reply.session,
                chat_id=reply.chat_id,
                reason=DELIVERY_FAILED,
                requested_by="error",
                summary=phrases.excerpt(reply.text),
            )
        )
        text = phrases.undelivered(handoff.reference, reply.text, in_doubt=in_doubt)
        await self._tell_staff_undelivered(failed, reply, text)
        return "handed_off_undelivered"

    async def _tell_staff_undelivered(
        self, failed: ProcessingFailed, reply: SendReply, text: str
    ) -> None:
        await self._outbox.to_staff(
            reply.session,
            text,
            kind="undelivered",
            message_id=ids.derived_id("rescue-undelivered", failed.message_id),
            correlation_id=failed.correlation_id,
        )

    async def _phone_takes_over(self, failed: ProcessingFailed, seen: OperatorMessageSeen) -> None:
        await self._store.open_handoff(
            api.HandoffOpen(
                conversation_id=failed.conversation_id,
                user_id=await self._store.user_of(seen.chat_id, written_at=written_time(seen)),
                wa_session=seen.session,
                chat_id=seen.chat_id,
                reason="operator_replied",
                requested_by="operator",
                assigned_to="phone",
            )
        )

    async def _alert_directly(
        self, failed: ProcessingFailed, inbound: MessageReceived, reference: str = ""
    ) -> None:
        text = phrases.incident(reference, inbound.push_name, inbound.text)
        await self._outbox.to_staff(
            inbound.session,
            text,
            kind="incident",
            message_id=ids.derived_id("rescue-staff", failed.message_id),
            correlation_id=failed.correlation_id,
        )

    async def _tell_staff_chat(self, failed: ProcessingFailed, inbound: MessageReceived) -> None:
        await self._outbox.answer_chat(
            Recipient.of_message(inbound.conversation_id, inbound),
            STAFF_MESSAGE_FAILED,
            message_id=ids.derived_id("rescue-staff-chat", failed.message_id),
            correlation_id=failed.correlation_id,
        )


def _opened_for(handoff: api.HandoffView, failed: ProcessingFailed) -> bool:
    """Whether this failure's rescue opened ``handoff``: now, or on an earlier attempt
    whose store reply was lost (then the usual alert is still to be requested)."""
    return handoff.created or handoff.opened_by_message == failed.message_id


def _person_message(original: BusMessage) -> MessageReceived | None:
    if isinstance(original, MessageReceived):
        return original
    if isinstance(original, GenerateReply | HandoffRequested | RelayToStaff):
        return original.inbound
    return None


def _is_person_chat(chat_id: str) -> bool:
    return chat_id.endswith(_PERSON_CHAT_SUFFIXES)
