"""``HandoffRequested``: alert the staff chat, and tell the person what happens next.

The requester (router or ai) already opened the handoff in the store; this
alerts staff once per handoff (the ids derive from the handoff, so a second
request for the same open handoff is dropped by JetStream) with its
reference, the reason in French, the person's display name (never their
number), a short summary of the turn and how to answer. The person is told
``handoff_started`` in office hours, ``outside_hours`` otherwise (in the language of
the turn); not at all
when a human already owns the conversation (an operator answered by phone).

A request without an open handoff in the store (an older producer, or the
handoff already ended) still reaches staff, without a reference.
"""

from __future__ import annotations

import logging

from concierge_common import ids
from concierge_common.contracts.messages import HandoffRequested
from concierge_common.contracts.store_api import HANDOFF_OPEN_STATES, HandoffView
from concierge_common.errors import NotFound
from concierge_common.french.languages import Language, telling, written_in
from concierge_common.metrics import child
from handoff import metrics, phrases
from handoff.desk import Clock, utc_now
from handoff.outbox import Outbox, Recipient
from handoff.prompts import PersonTexts
from handoff.store_port import HandoffStore

log = logging.getLogger(__name__)


class Alerts:
    """Handles ``HandoffRequested``."""

    def __init__(
        self, store: HandoffStore, outbox: Outbox, texts: PersonTexts, *, clock: Clock = utc_now
    ) -> None:
        self._store = store
        self._outbox = outbox
        self._texts = texts
        self._clock = clock

    async def __call__(self, request: HandoffRequested) -> None:
        handoff = await self._resolve(request)
        summary = request.summary or (handoff.summary if handoff else "") or request.inbound.text
        if handoff is None:
            await self._alert_without_handoff(request, summary)
            return
        if handoff.state not in HANDOFF_OPEN_STATES:
            log.info("handoff already ended, no alert", extra={"handoff_id": handoff.id})
            return
        await self._alert(handoff, request, summary)
        if handoff.assigned_to:
            return  # a human already talks with the person
        key = phrases.STARTED if self._texts.hours.is_open(self._clock()) else phrases.OUTSIDE_HOURS
        await self._outbox.to_person(
            Recipient.of_handoff(handoff),
            await self._texts.text(key, self._clock(), _language(request, summary)),
            message_id=ids.derived_id("handoff-started", handoff.id),
            correlation_id=request.correlation_id,
            answering=request.inbound,
        )

    async def _resolve(self, request: HandoffRequested) -> HandoffView | None:
        if request.handoff_id:
            try:
                return await self._store.get(request.handoff_id)
            except NotFound:
                log.warning("requested handoff not found", extra={"handoff_id": request.handoff_id})
                return None
        return await self._store.open_for(request.conversation_id)

    async def _alert(self, handoff: HandoffView, request: HandoffRequested, summary: str) -> None:
        sent = await self._outbox.to_staff(
            handoff.wa_session,
            phrases.alert(handoff, request.inbound.push_name, summary),
            kind="alert",
            message_id=ids.derived_id("handoff-alert", handoff.id),
            correlation_id=request.correlation_id,
        )
        child(metrics.STAFF_ALERTS, "sent" if sent else "no_staff_chat").inc()
        log.info("staff alerted" if sent else "staff alert only logged", extra=_log_fields(handoff))

    async def _alert_without_handoff(self, request: HandoffRequested, summary: str) -> None:
        inbound = request.inbound
        sent = await self._outbox.to_staff(
            inbound.session,
            phrases.alert_without_handoff(request.reason, inbound.push_name, summary),
            kind="alert",
            message_id=ids.derived_id("handoff-alert-unfiled", request.message_id),
            correlation_id=request.correlation_id,
        )
        child(metrics.STAFF_ALERTS, "sent" if sent else "no_staff_chat").inc()
        log.warning("handoff requested without an open handoff", extra={"reason": request.reason})


def _log_fields(handoff: HandoffView) -> dict[str, str]:
    return {"handoff_id": handoff.id, "reference": handoff.reference, "reason": handoff.reason}


def _language(request: HandoffRequested, summary: str) -> Language:
    """The language of the person's message the notice answers; when it tells none
    ("ok", "?"), the summary's (the person's earlier words, after an answerer's French
    label such as "Décès annoncé", which must not outweigh them)."""
    return telling(request.inbound.text) or written_in(summary)
