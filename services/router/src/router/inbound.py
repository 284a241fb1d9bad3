"""Handler of the ``inbound`` flow: who wrote, who owns the conversation, which turn.

For each message, in the conversation's order:
- the staff chat's messages go to the handoff desk;
- a message from the organisation's phone (``OperatorMessageSeen``) hands the
  conversation to that human at once (store ``handoff.open``, active);
- while a human owns the conversation, the person's messages are relayed to
  staff and the bot says nothing ("menu", "annuler"... ask to come back); but a
  redelivered message whose first attempt opened that handoff finishes its
  hand-off instead (the alert and the person's notice may never have gone out);
- a redelivered message whose turn was already saved is not decided again;
- a message over the hour's budgets of its person or channel is not answered
  (:mod:`router.admission`; relayed messages have a budget of their own);
- otherwise quick successive messages are coalesced into one turn
  (:mod:`router.coalescer`) and the turn goes to :class:`Conversation`.

A message written before its person was erased (privacy) is dropped: the store
refuses to open a session for it (``Erased``), and nothing is answered.
"""

from __future__ import annotations

import logging

from concierge_common.bus.consumer import Delivery
from concierge_common.contracts import store_api as api
from concierge_common.contracts.messages import (
    BusMessage,
    MessageReceived,
    OperatorMessageSeen,
    written_time,
)
from concierge_common.errors import Erased, InvalidMessage
from concierge_common.metrics import child
from router.admission import Admission
from router.coalescer import Coalescer, keep, turn_of
from router.commands import is_cancel
from router.conversation import Conversation, turn_saved
from router.dedup import Handled
from router.metrics import MESSAGES
from router.outbox import Outbox
from router.store_client import StorePort

log = logging.getLogger(__name__)


class InboundHandler:
    def __init__(
        self,
        store: StorePort,
        outbox: Outbox,
        conversation: Conversation,
        coalescer: Coalescer,
        handled: Handled,
        *,
        staff_chat_id: str,
        admission: Admission | None = None,
    ) -> None:
        self._store = store
        self._outbox = outbox
        self._conversation = conversation
        self._coalescer = coalescer
        self._handled = handled
        self._staff_chat_id = staff_chat_id
        self._admission = admission

    async def __call__(self, message: BusMessage, delivery: Delivery) -> None:
        if isinstance(message, OperatorMessageSeen):
            await self._operator(message)
            return
        if not isinstance(message, MessageReceived):
            raise InvalidMessage(f"inbound flow cannot carry {type(message).__name__}")
        if await self._handled.seen(message.message_id):
            _count("duplicate")
            return
        try:
            outcome = await self._route(message, delivery)
        except Erased:
            outcome = "erased"  # its person was erased after they wrote it: nothing to do
        await self._handled.remember(message.message_id)
        _count(outcome)
        log.info("message routed", extra={"outcome": outcome, "attempt": delivery.attempt})

    async def _route(self, message: MessageReceived, delivery: Delivery) -> str:
        if self._staff_chat_id and message.chat_id == self._staff_chat_id:
            await self._outbox.to_desk(message)
            return "staff"
        session = await self._open(message)
        if session.status == "handoff":
            if delivery.attempt > 1 and await self._finished_own_hand_off(message, session):
                return "handoff_finished"
            if not await self._admits(message, relayed=True):
                return "over_budget"
            await self._outbox.relay(message, cancel=is_cancel(message.text))
            return "relayed"
        if delivery.attempt > 1 and turn_saved(session, message.message_id):
            return "already_answered"  # only the bus's acknowledgement was lost
        if not await self._admits(message):
            return "over_budget"  # the store records it all the same (its own consumer)
        if self._coalescer.enabled and message.channel == "whatsapp":
            more = await self._coalescer.more_coming(message, delivery)
            session = await self._open(message)
            if session.status == "handoff":  # a human took over while we waited
                await self._outbox.relay(message, cancel=False)
                return "relayed"
            if more:
                state = keep(session.state, message)
                await self._store.update_session(api.SessionUpdate(id=session.id, state=state))
                return "coalesced"
        await self._conversation.handle(turn_of(session.state, message), session)
        return "turn"

    async def _admits(self, message: MessageReceived, *, relayed: bool = False) -> bool:
        return self._admission is None or await self._admission.admits(message, relayed=relayed)

    async def _finished_own_hand_off(
        self, message: MessageReceived, session: api.SessionView
    ) -> bool:
        """On a retry: finish the hand-off this message's first attempt opened, if it did.

        That attempt's ``handoff.open`` may have landed in the store with its reply
        lost (or the router stopped right after it): the session is in ``handoff``
        but staff and the person may never have heard of it. Only retries ask the
        store, so a first delivery costs no extra round trip.
        """
        handoff = await self._store.open_handoff_of(message.conversation_id)
        if handoff is None or handoff.opened_by_message != message.message_id:
            return False
        await self._conversation.finish_hand_off(turn_of(session.state, message), session, handoff)
        return True

    async def _open(self, message: MessageReceived) -> api.SessionView:
        return await self._store.open_session(
            message.chat_id, message.push_name, message.aliases, written_at=written_time(message)
        )

    async def _operator(self, message: OperatorMessageSeen) -> None:
        """A human answered from the phone: they own the conversation from now on."""
        try:
            session = await self._store.open_session(
                message.chat_id, "", message.aliases, written_at=written_time(message)
            )
        except Erased:
            _count("erased")
            log.info("phone reply to an erased person dropped")
            return
        await self._store.open_handoff(
            api.HandoffOpen(
                conversation_id=message.conversation_id,
                user_id=session.user_id,
                wa_session=message.session,
                chat_id=message.chat_id,
                reason="operator_replied",
                requested_by="operator",
                assigned_to="phone",
            )
        )
        _count("operator")
        log.info("conversation taken over from the phone")


def _count(outcome: str) -> None:
    child(MESSAGES, outcome).inc()
