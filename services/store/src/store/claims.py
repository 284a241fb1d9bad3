"""Codes people prove (a parent code in CATECHESE), and the family records they open.

A claim runs in one transaction that first locks the person's ``code_attempts``
row for the service, so two claims of one person at once are handled one after
the other and the failure count stays exact; then the shared budgets of
:mod:`store.claim_limits` (per source, per channel, global), which no change of
identity renews.

* Locked out (``locked_until`` in the future): ``locked``, and the attempt does
  not count, even with the right code.
* Paused (a shared budget is spent): ``locked`` with ``paused``, nothing is
  checked nor counted, even the right code: a pause that still let codes be
  checked would only hide the guesses.
* Right code: the role row of that code is bound to the person (a provisioned
  row nobody claimed yet), kept (already theirs), or copied for them (the other
  parent of the family claimed it first). Failures are forgotten: ``accepted``.
* Wrong code: one more failure (counting restarts when the first failure is
  older than the lockout window), and the shared budgets are spent. Reaching the
  maximum locks the person out: ``locked``, for the lockout duration doubled at
  each lockout in a row (a right code starts over); otherwise ``rejected`` with
  the attempts left. ``pause_started`` tells the one failure that spent a budget.
  A short code of a service whose short codes were suspended is a wrong code.
  The claim of a message whose failure was already counted (a redelivery: the
  first reply was lost) counts nothing and gets the same ``rejected``.

``family.get`` returns the person's own verified rows only (theirs, with a
code): never a row of another person, even of the same family.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
import msgspec

from concierge_common.contracts.store_api import ClaimResult, CodeClaim, FamilyQuery, FamilyView
from concierge_common.metrics import child
from store.catalog import normalise_name
from store.claim_limits import ClaimLimits, Guard, Origin, Pause
from store.codes import hash_code, is_weak
from store.db import translated, view
from store.lookup import found
from store.metrics import CODE_CLAIMS
from store.settings import StoreSettings

log = logging.getLogger(__name__)

_SERVICE_BY_NAME = "SELECT id FROM services WHERE name = $1"
_USER_EXISTS = "SELECT id FROM users WHERE id = $1"
# Taken before any other lock, like erasure takes the person first: a claim and an
# erasure of the same person wait for each other instead of deadlocking.
_LOCK_USER = "SELECT id FROM users WHERE id = $1 FOR KEY SHARE"
_ENSURE_ATTEMPTS = """
INSERT INTO code_attempts (user_id, service_id) VALUES ($1, $2)
ON CONFLICT (user_id, service_id) DO NOTHING
"""
_LOCK_ATTEMPTS = """
SELECT failures, locked_until, locked_until > now() AS locked, last_failed_message
FROM code_attempts WHERE user_id = $1 AND service_id = $2
FOR UPDATE
"""
_ROWS_OF_CODE = """
SELECT id, user_id FROM user_services WHERE service_id = $1 AND intrinsic_id = $2
ORDER BY created_at, id
FOR UPDATE
"""
_BIND = "UPDATE user_services SET user_id = $2 WHERE id = $1 AND user_id IS NULL RETURNING id"
_COPY = """
INSERT INTO user_services (user_id, service_id, role, intrinsic_id, attributes, family_id)
SELECT $2, service_id, role, intrinsic_id, attributes, family_id FROM user_services WHERE id = $1
RETURNING id
"""
_FORGET_FAILURES = """
UPDATE code_attempts SET failures = 0, first_failure_at = NULL, locked_until = NULL,
    last_failed_message = NULL, lockouts = 0
WHERE user_id = $1 AND service_id = $2
"""
# A failure older than the window starts a new count.
_FAIL = """
UPDATE code_attempts SET
    failures = CASE WHEN first_failure_at IS NULL
                         OR first_failure_at <= now() - make_interval(secs => $3)
                    THEN 1 ELSE failures + 1 END,
    first_failure_at = CASE WHEN first_failure_at IS NULL
                                 OR first_failure_at <= now() - make_interval(secs => $3)
                            THEN now() ELSE first_failure_at END,
    locked_until = NULL,
    last_failed_message = $4
WHERE user_id = $1 AND service_id = $2
RETURNING failures
"""
# Each lockout in a row lasts twice the one before, up to a ceiling ($4).
_LOCK_OUT = """
UPDATE code_attempts SET failures = 0, first_failure_at = NULL, last_failed_message = NULL,
    locked_until = now() + make_interval(secs => least($4, $3 * power(2, least(lockouts, 30)))),
    lockouts = lockouts + 1
WHERE user_id = $1 AND service_id = $2
RETURNING locked_until
"""
_FAMILY = """
SELECT id AS role_id, role, attributes FROM user_services
WHERE user_id = $1 AND service_id = $2 AND intrinsic_id IS NOT NULL
ORDER BY created_at, id
"""


@dataclass(frozen=True)
class ClaimPolicy:
    """How many wrong codes lock a person out, and for how long (also the counting window):
    ``lockout_seconds`` the first time, doubled at each lockout in a row up to
    ``max_lockout_seconds``; and the budgets shared by every identity."""

    max_attempts: int = 3
    lockout_seconds: float = 900.0
    max_lockout_seconds: float = 86400.0
    limits: ClaimLimits = field(default_factory=ClaimLimits)


def claim_policy(settings: StoreSettings) -> ClaimPolicy:
    """The policy the store's settings describe."""
    limits = ClaimLimits(
        window_seconds=settings.store_code_window_seconds,
        source_budget=settings.store_code_source_budget,
        channel_budget=settings.store_code_channel_budget,
        global_budget=settings.store_code_global_budget,
        weak_window_seconds=settings.store_code_weak_window_seconds,
        weak_budget=settings.store_code_weak_budget,
    )
    return ClaimPolicy(
        max_attempts=settings.store_code_max_attempts,
        lockout_seconds=settings.store_code_lockout_seconds,
        max_lockout_seconds=settings.store_code_max_lockout_seconds,
        limits=limits,
    )


class Claims:
    """Answers ``code.claim`` and ``family.get``."""

    def __init__(self, pool: asyncpg.Pool, intrinsic_id_key: str, policy: ClaimPolicy) -> None:
        self._pool = pool
        self._key = intrinsic_id_key
        self._policy = policy
        self._guard = Guard(policy.limits)

    async def claim(self, request: CodeClaim) -> ClaimResult:
        """Check the code and bind its role, count a failure, or refuse a locked-out person.

        NotFound when the service or the person does not exist.
        """
        with translated("code.claim"):
            async with self._pool.acquire() as conn, conn.transaction():
                service_id = await _service_id(conn, request.service_name)
                user_id = str(found(await conn.fetchval(_LOCK_USER, request.user_id), "user"))
                result = await self._claim_in(conn, user_id, service_id, request)
        child(CODE_CLAIMS, "paused" if result.paused else result.status).inc()
        log.info("code claimed", extra={"outcome": result.status, "user_id": request.user_id})
        return result

    async def _claim_in(
        self, conn: asyncpg.Connection, user_id: str, service_id: str, request: CodeClaim
    ) -> ClaimResult:
        policy = self._policy
        await conn.execute(_ENSURE_ATTEMPTS, user_id, service_id)
        attempts = await conn.fetchrow(_LOCK_ATTEMPTS, user_id, service_id)
        left = policy.max_attempts - attempts["failures"]
        if attempts["locked"]:
            return _locked(attempts["locked_until"])
        origin = await self._guard.origin(conn, user_id)
        pause = await self._guard.pause(conn, origin)
        if pause is not None:
            return _paused(pause, left, started=False)
        role_id = await self._bind(conn, service_id, request.code, user_id)
        if role_id is not None:
            await conn.execute(_FORGET_FAILURES, user_id, service_id)
            return ClaimResult(
                status="accepted", attempts_left=policy.max_attempts, role_id=role_id
            )
        message = request.message_id or None
        if message is not None and attempts["last_failed_message"] == message:
            # A redelivery of the message whose failure was counted: the same answer.
            return ClaimResult(status="rejected", attempts_left=left)
        return await self._fail(conn, user_id, service_id, request, origin)

    async def _bind(
        self, conn: asyncpg.Connection, service_id: str, code: str, user_id: str
    ) -> str | None:
        """The role the code opens for the person; None: wrong (or a suspended short code)."""
        if is_weak(code) and await self._guard.weak_suspended(conn, service_id):
            return None
        return await _bind_code(conn, service_id, hash_code(self._key, service_id, code), user_id)

    async def _fail(
        self,
        conn: asyncpg.Connection,
        user_id: str,
        service_id: str,
        request: CodeClaim,
        origin: Origin,
    ) -> ClaimResult:
        """Count a wrong code for the person and in the shared budgets."""
        policy = self._policy
        message = request.message_id or None
        failures = await conn.fetchval(_FAIL, user_id, service_id, policy.lockout_seconds, message)
        started = await self._guard.spend(conn, origin, service_id, weak=is_weak(request.code))
        if failures >= policy.max_attempts:
            until = await conn.fetchval(
                _LOCK_OUT, user_id, service_id, policy.lockout_seconds, policy.max_lockout_seconds
            )
            result = _locked(until)
            return msgspec.structs.replace(result, pause_started=started is not None)
        if started is not None:
            return _paused(started, policy.max_attempts - failures, started=True)
        return ClaimResult(status="rejected", attempts_left=policy.max_attempts - failures)

    async def family(self, query: FamilyQuery) -> list[FamilyView]:
        """The person's own verified rows in the service (oldest first).

        NotFound when the service does not exist, or when the person does not
        and so has no rows (a typo is not mistaken for "no family").
        """
        with translated("family.get"):
            async with self._pool.acquire() as conn:
                service_id = await _service_id(conn, query.service_name)
                rows = await conn.fetch(_FAMILY, query.user_id, service_id)
                if not rows:
                    found(await conn.fetchval(_USER_EXISTS, query.user_id), "user")
        return [view(FamilyView, row) for row in rows]


def _locked(until: datetime) -> ClaimResult:
    return ClaimResult(
        status="locked",
        attempts_left=0,
        locked_until=until,
        retry_after_seconds=_seconds_until(until),
    )


def _paused(pause: Pause, left: int, *, started: bool) -> ClaimResult:
    return ClaimResult(
        status="locked",
        attempts_left=left,
        locked_until=pause.until,
        retry_after_seconds=_seconds_until(pause.until),
        paused=True,
        pause_started=started,
    )


def _seconds_until(until: datetime) -> float:
    return max(0.0, round((until - datetime.now(UTC)).total_seconds(), 3))


async def _service_id(conn: asyncpg.Connection, name: str) -> str:
    service_id = await conn.fetchval(_SERVICE_BY_NAME, normalise_name(name))
    return str(found(service_id, f"service {normalise_name(name)!r}"))


async def _bind_code(
    conn: asyncpg.Connection, service_id: str, intrinsic_id: str, user_id: str
) -> str | None:
    """The id of the person's row of this code (bound or copied now); None: wrong code.

    Their own row if they have one; else the row nobody claimed, bound to them;
    else a copy of the family's first row (another parent proved the code first).
    """
    rows = await conn.fetch(_ROWS_OF_CODE, service_id, intrinsic_id)
    if not rows:
        return None
    for row in rows:
        if row["user_id"] is not None and str(row["user_id"]) == user_id:
            return str(row["id"])
    for row in rows:
        if row["user_id"] is None and await conn.fetchval(_BIND, row["id"], user_id):
            log.info("family code bound to its first parent", extra={"role_id": str(row["id"])})
            return str(row["id"])
    copied = await conn.fetchval(_COPY, rows[0]["id"], user_id)
    log.info("family code shared with another parent", extra={"role_id": str(copied)})
    return str(copied)
