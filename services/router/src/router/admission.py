"""Whether a person's message goes on, within the hour's budgets (:mod:`router.budgets`).

A refused message is counted by scope; the first refusal of the hour tells the
person, politely and in French, when they will be answered again; the next
ones are met with silence (a notice per message would feed the flood).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from concierge_common.contracts.messages import MessageReceived
from concierge_common.metrics import child
from router import phrases
from router.budgets import Budgets, Verdict
from router.metrics import BUDGET_NOTICES, BUDGET_REFUSALS
from router.outbox import Outbox

log = logging.getLogger(__name__)


class Admission:
    def __init__(self, budgets: Budgets, outbox: Outbox, *, zone: ZoneInfo) -> None:
        self._budgets = budgets
        self._outbox = outbox
        self._zone = zone

    async def admits(self, message: MessageReceived, *, relayed: bool = False) -> bool:
        """Take the message's place in its budgets; on refusal, tell the person once."""
        verdict = await self._budgets.take(message, relayed=relayed)
        if verdict.allowed:
            return True
        child(BUDGET_REFUSALS, verdict.scope).inc()
        log.info("message over budget", extra={"scope": verdict.scope, "notice": verdict.notify})
        if verdict.notify:
            await self._outbox.say(message, self.notice(verdict), "budget")
            child(BUDGET_NOTICES, verdict.scope).inc()
        return False

    def notice(self, verdict: Verdict) -> str:
        until = datetime.fromtimestamp(verdict.free_at, UTC)
        return phrases.OVER_BUDGET[verdict.scope].format(
            until=phrases.clock_time(until, self._zone)
        )
