"""The staff actions on a handoff, shared by the WhatsApp staff chat and the RPC desk.

Each action is a store call, then what people must be told. The ids of those
texts derive from the handoff (a handoff is returned, closed or assigned once)
or from the input (a reply), so a retried action republishes the same ids and
JetStream drops the copies. ``NotFound`` and ``Conflict`` from the store
propagate unchanged: the chat turns them into plain French, RPC keeps them.

Closing is silent for the person (staff say goodbye themselves, then close);
returning to the bot tells the person (``handoff_ended``) and the staff chat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from concierge_common import ids
from concierge_common.contracts.handoff_api import DeskHandoff
from concierge_common.contracts.store_api import (
    HANDOFF_OPEN_STATES,
    HandoffMove,
    HandoffState,
    HandoffTouch,
    HandoffView,
)
from concierge_common.errors import Conflict, InvalidRequest
from concierge_common.metrics import child
from handoff import metrics, phrases
from handoff.outbox import Outbox, Recipient
from handoff.prompts import PersonTexts
from handoff.store_port import HandoffStore

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Cause = Literal["staff", "api", "timeout", "person"]
OPEN: list[HandoffState] = ["requested", "assigned", "active"]
MAX_REPLY_CHARS = 4000


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff member in the chat or the console, the timer, the person."""

    cause: Cause
    name: str = ""

    @property
    def store_actor(self) -> str:
        """As recorded in the handoff's audit trail: ``staff:Marie``, ``timeout``..."""
        return f"{self.cause}:{self.display}" if self.cause in ("staff", "api") else self.cause

    @property
    def display(self) -> str:
        return self.name.strip() or "l'accueil"


class Desk:
    """Reply, assign, return to the bot, close, list and read handoffs."""

    def __init__(
        self, store: HandoffStore, outbox: Outbox, texts: PersonTexts, *, clock: Clock = utc_now
    ) -> None:
        self._store = store
        self._outbox = outbox
        self._texts = texts
        self._clock = clock

    async def list_handoffs(
        self, states: list[HandoffState] | None = None, limit: int = 100
    ) -> list[HandoffView]:
        return await self._store.list_handoffs(states, limit)

    async def get(self, handoff_id: str) -> DeskHandoff:
        handoff = await self._store.get(handoff_id)
        return DeskHandoff(handoff=handoff, events=await self._store.events(handoff_id))

    async def reply(
        self, handoff: HandoffView, text: str, actor: Actor, *, message_id: str, correlation_id: str
    ) -> HandoffView:
        """Relay ``text`` to the person; the first staff answer makes the handoff active."""
        if not text.strip():
            raise InvalidRequest("the reply is empty", status=422)
        if len(text) > MAX_REPLY_CHARS:
            raise InvalidRequest(f"the reply exceeds {MAX_REPLY_CHARS} characters", status=422)
        _require_open(handoff)
        touched = await self._store.touch(
            HandoffTouch(id=handoff.id, by="staff", staff=actor.display)
        )
        await self._outbox.to_person(
            Recipient.of_handoff(touched),
            text,
            message_id=message_id,
            correlation_id=correlation_id,
            origin="staff",
        )
        child(metrics.RELAYS, "to_person").inc()
        _observe_first_reply(handoff, touched)
        if actor.cause == "api":
            await self._outbox.to_staff(
                touched.wa_session,
                phrases.reply_copy(touched.reference, actor.display, text),
                kind="reply_copy",
                message_id=ids.derived_id("handoff-reply-copy", message_id),
                correlation_id=correlation_id,
            )
        log.info("staff reply relayed", extra={"handoff_id": handoff.id, "cause": actor.cause})
        return touched

    async def assign(
        self, handoff: HandoffView, actor: Actor, *, correlation_id: str
    ) -> HandoffView:
        """Assign to the acting staff member (the store takes the owner from ``staff:<name>``,
        whatever the channel; a console assignment says so in the event's note)."""
        owner = Actor("staff", actor.name)
        note = "console" if actor.cause == "api" else ""
        moved = await self._move(handoff, "assigned", owner, expected=["requested"], note=note)
        child(metrics.ASSIGNS, actor.cause).inc()
        await self._tell_staff(
            moved, phrases.assigned(moved.reference, actor.display), "assigned", correlation_id
        )
        return moved

    async def return_to_bot(
        self,
        handoff: HandoffView,
        actor: Actor,
        *,
        correlation_id: str,
        expected: list[HandoffState] | None = None,
    ) -> HandoffView:
        """Give the conversation back to the assistant; tell the person and the staff chat."""
        moved = await self._move(handoff, "returned", actor, expected=expected or OPEN)
        child(metrics.RETURNS, actor.cause).inc()
        text = await self._texts.text(phrases.ENDED, self._clock())
        await self._outbox.to_person(
            Recipient.of_handoff(moved),
            text,
            message_id=ids.derived_id("handoff-ended", moved.id),
            correlation_id=correlation_id,
        )
        staff_text = phrases.returned(moved.reference, actor.cause, actor.display)
        await self._tell_staff(moved, staff_text, "returned", correlation_id)
        return moved

    async def close(
        self, handoff: HandoffView, actor: Actor, *, correlation_id: str
    ) -> HandoffView:
        moved = await self._move(handoff, "closed", actor, expected=OPEN)
        child(metrics.CLOSES, actor.cause).inc()
        await self._tell_staff(
            moved, phrases.closed(moved.reference, actor.display), "closed", correlation_id
        )
        return moved

    async def _move(
        self,
        handoff: HandoffView,
        to: HandoffState,
        actor: Actor,
        *,
        expected: list[HandoffState],
        note: str = "",
    ) -> HandoffView:
        move = HandoffMove(
            id=handoff.id, to=to, actor=actor.store_actor, expected=expected, note=note
        )
        moved = await self._store.move(move)
        log.info(
            "handoff moved",
            extra={"handoff_id": handoff.id, "to_state": to, "cause": actor.cause},
        )
        return moved

    async def _tell_staff(
        self, handoff: HandoffView, text: str, stage: str, correlation_id: str
    ) -> None:
        await self._outbox.to_staff(
            handoff.wa_session,
            text,
            kind=stage,
            message_id=ids.derived_id(f"handoff-{stage}-staff", handoff.id),
            correlation_id=correlation_id,
        )


def _require_open(handoff: HandoffView) -> None:
    if handoff.state not in HANDOFF_OPEN_STATES:
        raise Conflict(f"handoff {handoff.reference} is {handoff.state}")


def _observe_first_reply(before: HandoffView, after: HandoffView) -> None:
    first = after.first_staff_reply_at
    if before.first_staff_reply_at is None and first is not None:
        seconds = max(0.0, (first - after.created_at).total_seconds())
        metrics.FIRST_STAFF_REPLY_SECONDS.observe(seconds)
