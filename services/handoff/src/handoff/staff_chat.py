"""``StaffMessageReceived``: what staff type in the staff chat, turned into desk actions.

Every staff message gets a visible outcome: a reply reaches the person (silent
in the chat, staff see their own message); a state change is announced by the
desk; a list, a status, the help, or a plain French explanation (unknown
reference, the handoff already ended, only text can be relayed, not
understood) is answered in the chat the message came from.
"""

from __future__ import annotations

import logging

from concierge_common import ids
from concierge_common.contracts.messages import StaffMessageReceived
from concierge_common.contracts.store_api import HandoffView
from concierge_common.errors import Conflict, InvalidRequest, NotFound
from concierge_common.metrics import child
from handoff import metrics, phrases, staff_syntax
from handoff.desk import MAX_REPLY_CHARS, Actor, Clock, Desk, utc_now
from handoff.outbox import Outbox, Recipient
from handoff.staff_syntax import (
    Assign,
    Close,
    Help,
    ListOpen,
    Reply,
    ReturnToBot,
    Show,
    StaffCommand,
    Unknown,
)
from handoff.store_port import HandoffStore

log = logging.getLogger(__name__)

Addressed = Reply | ReturnToBot | Close | Assign | Show


class StaffChat:
    """Handles ``StaffMessageReceived``."""

    def __init__(
        self, store: HandoffStore, desk: Desk, outbox: Outbox, *, clock: Clock = utc_now
    ) -> None:
        self._store = store
        self._desk = desk
        self._outbox = outbox
        self._clock = clock

    async def __call__(self, message: StaffMessageReceived) -> None:
        command = staff_syntax.parse(message.inbound.text)
        child(metrics.STAFF_COMMANDS, type(command).__name__.lower()).inc()
        answer = await self._run(command, message)
        if answer is None:
            return
        await self._outbox.answer_chat(
            Recipient.of_message(message.conversation_id, message.inbound),
            answer,
            message_id=ids.derived_id("handoff-staff-answer", message.message_id),
            correlation_id=message.correlation_id,
        )

    async def _run(self, command: StaffCommand, message: StaffMessageReceived) -> str | None:
        if isinstance(command, ListOpen):
            return phrases.listing(await self._desk.list_handoffs(), self._clock())
        if isinstance(command, Help):
            return phrases.HELP
        if isinstance(command, Unknown):
            return phrases.unknown()
        return await self._addressed(command, message)

    async def _addressed(self, command: Addressed, message: StaffMessageReceived) -> str | None:
        reference = command.reference
        try:
            handoff = await self._store.by_reference(reference)
            return await self._act(command, handoff, message)
        except NotFound:
            child(metrics.DESK_ERRORS, "not_found").inc()
            return phrases.not_found(reference)
        except Conflict:
            child(metrics.DESK_ERRORS, "conflict").inc()
            current = await self._store.by_reference(reference)
            return phrases.conflict(reference, current.state)
        except InvalidRequest:
            child(metrics.DESK_ERRORS, "invalid").inc()
            return f"[{reference}] Réponse trop longue : {MAX_REPLY_CHARS} caractères au plus."

    async def _act(
        self, command: Addressed, handoff: HandoffView, message: StaffMessageReceived
    ) -> str | None:
        actor = Actor("staff", message.inbound.push_name)
        correlation = message.correlation_id
        if isinstance(command, Show):
            return phrases.show(handoff, self._clock())
        if isinstance(command, Reply):
            if message.inbound.kind != "text":
                return phrases.only_text(handoff.reference)
            message_id = ids.derived_id("handoff-staff-reply", message.message_id)
            await self._desk.reply(
                handoff, command.text, actor, message_id=message_id, correlation_id=correlation
            )
        elif isinstance(command, ReturnToBot):
            await self._desk.return_to_bot(handoff, actor, correlation_id=correlation)
        elif isinstance(command, Close):
            await self._desk.close(handoff, actor, correlation_id=correlation)
        else:
            await self._desk.assign(handoff, actor, correlation_id=correlation)
        return None
