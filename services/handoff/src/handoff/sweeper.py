"""Timers of open handoffs, checked every ``HANDOFF_SWEEP_SECONDS``.

(a) No staff answer yet, open for ``HANDOFF_NO_STAFF_SECONDS`` and no notice
sent: the person is told what to expect, with the office hours; the handoff
stays queued. (b) Assigned or active, and nobody (person or staff) wrote for
``HANDOFF_IDLE_SECONDS``: back to the assistant (actor ``timeout``), the person
and staff are told. Requested handoffs never time out: they wait for staff.

Safe with several replicas. (a) publishes the notice first, then records it
(store ``handoff.notice``): the notice's id derives from the handoff, so two
replicas publishing it at once store it once, and a sweep that failed to
record it publishes the same id again (dropped) at the next period; a 409
means another replica recorded it. (b) moves with ``expected=[assigned,
active]``: exactly one replica wins, the others get a 409 and skip.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from concierge_common import ids
from concierge_common.contracts.store_api import HandoffView
from concierge_common.errors import Conflict, NotFound, RetryableError
from handoff import metrics, phrases
from handoff.desk import Actor, Clock, Desk, utc_now
from handoff.outbox import Outbox, Recipient
from handoff.prompts import PersonTexts
from handoff.store_port import HandoffStore

log = logging.getLogger(__name__)


class Sweeper:
    """Runs :meth:`sweep` periodically between :meth:`start` and :meth:`stop`."""

    def __init__(
        self,
        store: HandoffStore,
        desk: Desk,
        outbox: Outbox,
        texts: PersonTexts,
        *,
        period_seconds: float,
        no_staff_seconds: float,
        idle_seconds: float,
        batch: int = 200,
        clock: Clock = utc_now,
    ) -> None:
        self._store = store
        self._desk = desk
        self._outbox = outbox
        self._texts = texts
        self._period = period_seconds
        self._no_staff = timedelta(seconds=no_staff_seconds)
        self._idle = timedelta(seconds=idle_seconds)
        self._batch = batch
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="handoff-sweeper")

    async def stop(self) -> None:
        # An event as well as a cancel: a cancel landing as a store request is answered
        # is lost (asyncio.wait_for on Python 3.11), and the loop would sweep on.
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task})
            self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._period)
                return
            try:
                await self.sweep()
            except RetryableError as exc:
                metrics.SWEEP_FAILURES.inc()
                log.warning("sweep failed, next one in %ss: %s", self._period, exc)
            except Exception:
                metrics.SWEEP_FAILURES.inc()
                log.exception("sweep failed, next one in %ss", self._period)

    async def sweep(self) -> None:
        """One pass over the open handoffs (oldest first)."""
        now = self._clock()
        for handoff in await self._store.list_handoffs(None, self._batch):
            try:
                await self._check(handoff, now)
            except RetryableError as exc:
                metrics.SWEEP_FAILURES.inc()
                log.warning("handoff timers not applied: %s", exc, extra={"handoff_id": handoff.id})

    async def _check(self, handoff: HandoffView, now: datetime) -> None:
        if _is_idle(handoff, now, self._idle):
            await self._return_idle(handoff)
        elif _needs_notice(handoff, now, self._no_staff):
            await self._notify_no_staff(handoff, now)

    async def _notify_no_staff(self, handoff: HandoffView, now: datetime) -> None:
        await self._outbox.to_person(
            Recipient.of_handoff(handoff),
            await self._texts.text(phrases.NO_STAFF_YET, now),
            message_id=ids.derived_id("handoff-no-staff", handoff.id),
            correlation_id=handoff.id,
        )
        try:
            await self._store.notice(handoff.id)
        except (Conflict, NotFound):
            log.info("no-staff notice already recorded", extra={"handoff_id": handoff.id})
            return
        metrics.NOTICES.inc()
        log.info("person told no staff answered yet", extra={"handoff_id": handoff.id})

    async def _return_idle(self, handoff: HandoffView) -> None:
        try:
            await self._desk.return_to_bot(
                handoff,
                Actor("timeout"),
                correlation_id=handoff.id,
                expected=["assigned", "active"],
            )
        except (Conflict, NotFound):
            log.info("idle handoff already moved", extra={"handoff_id": handoff.id})


def _needs_notice(handoff: HandoffView, now: datetime, after: timedelta) -> bool:
    return (
        handoff.first_staff_reply_at is None
        and handoff.notice_sent_at is None
        and handoff.state in ("requested", "assigned")
        and now - handoff.created_at >= after
    )


def _is_idle(handoff: HandoffView, now: datetime, after: timedelta) -> bool:
    if handoff.state not in ("assigned", "active"):
        return False
    moments = (handoff.last_staff_at, handoff.last_person_at, handoff.created_at)
    last = max(moment for moment in moments if moment is not None)
    return now - last >= after
