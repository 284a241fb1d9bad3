"""Wrong-code budgets shared by every identity: what makes guessing a code infeasible.

A person's own lockout (:mod:`store.claims`) stops one identity, and identities
are cheap (a WhatsApp number, a ``user`` of ``POST /orchestrate``). So every wrong
code also spends a budget that no change of identity renews: one per **source**
(an API channel, known by its token's subject; the parish's WhatsApp number), one
per **channel** (``whatsapp``, ``api``) and one **global**, each over a sliding
window. A scope whose budget is spent *pauses*: no code from it is checked (not
even a right one, else the pause would only stop counting) until enough of its
failures left the window. The number of guesses is thus bounded by the budgets
per window whatever the number of identities, and with the strong codes of
:mod:`store.codes` (about 59 bits) that bound is far below what guessing needs.

Short codes of the old format (``SM-4821``: about 10⁴ values) are different: a
budget of even a few hundred guesses a day finds families. Wrong *short* codes
therefore also count per service over a day; past ``weak_budget`` the service's
short codes stop working altogether (a typed short code is then simply wrong)
until staff re-issue strong codes to the families.

The checks and the writes of one claim run under one transaction-level advisory
lock, so concurrent claims see exact counts: claims are rare (a parish), and
being exact is what bounds the guesses. Only a scope and a time are written
(never a person or a code); the table stays small, as a paused scope writes
nothing and older rows are pruned.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from concierge_common.metrics import child
from store.metrics import CODE_CLAIM_PAUSES, WEAK_CODES_SUSPENDED

log = logging.getLogger(__name__)

# One key for every claim: the budgets are shared, so their checks are serialised.
_ADVISORY_KEY = 7_301_944_120_557
_SERIALISE = "SELECT pg_advisory_xact_lock($1)"
# The budget-th newest failure of the scope in the window, if any: while it is in the
# window the budget is spent, and the pause ends when it leaves the window.
_PAUSED_UNTIL = """
SELECT failed_at + make_interval(secs => $3) FROM code_claim_failures
WHERE scope = $1 AND failed_at > now() - make_interval(secs => $3)
ORDER BY failed_at DESC OFFSET $2 - 1 LIMIT 1
"""
_RECORD = "INSERT INTO code_claim_failures (scope) SELECT unnest($1::text[])"
_PRUNE = "DELETE FROM code_claim_failures WHERE failed_at <= now() - make_interval(secs => $1)"
_SUSPENDED = "SELECT true FROM weak_code_suspensions WHERE service_id = $1"
_SUSPEND = """
INSERT INTO weak_code_suspensions (service_id) VALUES ($1)
ON CONFLICT (service_id) DO NOTHING RETURNING service_id
"""
_FIRST_ID = """
SELECT whatsapp_id FROM user_whatsapp_ids WHERE user_id = $1
ORDER BY created_at, whatsapp_id LIMIT 1
"""
_API_SUFFIX = "@api"
_SUBJECT_SEPARATOR = ":"


@dataclass(frozen=True)
class ClaimLimits:
    """The shared budgets: wrong codes per ``window_seconds`` before a scope pauses.

    A source is one API channel or the parish's WhatsApp number; the channel
    budget caps several API channels together; the global one caps everything.
    ``weak_budget`` wrong short codes of a service within ``weak_window_seconds``
    stop its short codes for good.
    """

    window_seconds: float = 3600.0
    source_budget: int = 20
    channel_budget: int = 40
    global_budget: int = 60
    weak_window_seconds: float = 86400.0
    weak_budget: int = 10

    def __post_init__(self) -> None:
        budgets = (self.source_budget, self.channel_budget, self.global_budget, self.weak_budget)
        if min(budgets) < 1 or min(self.window_seconds, self.weak_window_seconds) <= 0:
            raise ValueError("code claim budgets and windows must be positive")


@dataclass(frozen=True)
class Origin:
    """Where a person writes from: their channel and source (never who they are)."""

    channel: str
    source: str

    @classmethod
    def of_id(cls, person_id: str | None) -> Origin:
        """``<subject>:<user>@api`` -> api, ``api:<subject>``; a WhatsApp id -> whatsapp."""
        if person_id is None:
            return cls("other", "other")
        if person_id.endswith(_API_SUFFIX):
            subject, separator, _ = person_id.partition(_SUBJECT_SEPARATOR)
            return cls("api", f"api:{subject}" if separator else "api")
        return cls("whatsapp", "whatsapp")


@dataclass(frozen=True)
class Pause:
    """A spent budget: which kind of scope, and when it has room again."""

    scope: str
    until: datetime


class Guard:
    """Checks and spends the shared budgets within a claim's transaction."""

    def __init__(self, limits: ClaimLimits) -> None:
        self._limits = limits

    async def origin(self, conn: asyncpg.Connection, user_id: str) -> Origin:
        return Origin.of_id(await conn.fetchval(_FIRST_ID, user_id))

    async def pause(self, conn: asyncpg.Connection, origin: Origin) -> Pause | None:
        """The pause ``origin`` is in (the longest), or None; serialises the claims."""
        await conn.execute(_SERIALISE, _ADVISORY_KEY)
        pauses = []
        for kind, scope, budget in self._budgets(origin):
            until = await conn.fetchval(_PAUSED_UNTIL, scope, budget, self._limits.window_seconds)
            if until is not None:
                pauses.append(Pause(kind, until))
        return max(pauses, key=lambda pause: pause.until, default=None)

    async def weak_suspended(self, conn: asyncpg.Connection, service_id: str) -> bool:
        return bool(await conn.fetchval(_SUSPENDED, service_id))

    async def spend(
        self, conn: asyncpg.Connection, origin: Origin, service_id: str, *, weak: bool
    ) -> Pause | None:
        """Count one wrong code; the pause it started, if it spent a budget."""
        limits = self._limits
        scopes = [scope for _, scope, _ in self._budgets(origin)]
        if weak:
            scopes.append(_weak_scope(service_id))
        await conn.execute(_PRUNE, max(limits.window_seconds, limits.weak_window_seconds))
        await conn.execute(_RECORD, scopes)
        if weak:
            await self._maybe_suspend(conn, service_id)
        started = await self.pause(conn, origin)
        if started is not None:
            child(CODE_CLAIM_PAUSES, started.scope).inc()
            log.warning("code claims paused: too many wrong codes", extra={"scope": started.scope})
        return started

    async def _maybe_suspend(self, conn: asyncpg.Connection, service_id: str) -> None:
        limits = self._limits
        scope = _weak_scope(service_id)
        spent = await conn.fetchval(
            _PAUSED_UNTIL, scope, limits.weak_budget, limits.weak_window_seconds
        )
        if spent is not None and await conn.fetchval(_SUSPEND, service_id):
            WEAK_CODES_SUSPENDED.inc()
            log.warning("short codes suspended", extra={"service_id": service_id})

    def _budgets(self, origin: Origin) -> list[tuple[str, str, int]]:
        limits = self._limits
        return [
            ("source", f"source:{origin.source}", limits.source_budget),
            ("channel", f"channel:{origin.channel}", limits.channel_budget),
            ("global", "global", limits.global_budget),
        ]


def _weak_scope(service_id: str) -> str:
    return f"weak:{service_id}"
