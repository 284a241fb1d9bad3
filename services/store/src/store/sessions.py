"""Sessions: one person's conversation with the concierge, its status and its expiry.

A person has at most one open session (active, awaiting_input or handoff); the
partial unique index ``sessions_one_open_per_user`` enforces it, so two
replicas opening a session for the same new person cannot both create one: the
loser's insert does nothing and it continues the winner's session instead.

Every write to a session pushes ``last_activity_at`` and ``expires_at``
forward. ``expires_at`` is the truth about inactivity: a session past it is
over even before the expiry job (:mod:`store.expiry`) sweeps it, so open and
update expire it themselves when they find it. Sessions in handoff never expire
this way (a human owns the conversation; the handoff service owns that timeout).

Writes lock the row (``SELECT ... FOR UPDATE``) inside a transaction, or change it
in one statement when that is enough. Postgres is the only copy: no cache in front
of it (on the hot path every access is a write; only the staff HTTP API reads a
session by id, one indexed query).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import asyncpg
import msgspec

from concierge_common.contracts.store_api import (
    SESSION_TRANSITIONS,
    RoleGrant,
    SessionUpdate,
    SessionView,
)
from concierge_common.errors import Conflict, NotFound, RetryableError
from concierge_common.metrics import child
from store.db import translated, view
from store.metrics import SESSIONS_EXPIRED, SESSIONS_STARTED
from store.tombstones import UNKNOWN, Written
from store.users import Users

log = logging.getLogger(__name__)

# Queries return whole rows (``*``): :func:`session_view` picks the columns it shows.
# ``stale``: past its expiry and of a kind that expires by inactivity.
_LOCK_OPEN_OF_USER = """
SELECT *, (status IN ('active', 'awaiting_input') AND expires_at < now()) AS stale
FROM sessions
WHERE user_id = $1 AND status IN ('active', 'awaiting_input', 'handoff')
FOR UPDATE
"""
_LOCK_BY_ID = """
SELECT *, (status IN ('active', 'awaiting_input') AND expires_at < now()) AS stale
FROM sessions WHERE id = $1
FOR UPDATE
"""
_SELECT_BY_ID = "SELECT * FROM sessions WHERE id = $1"
_EXPIRE = "UPDATE sessions SET status = 'expired', ended_at = now() WHERE id = $1 RETURNING *"
_TOUCH = """
UPDATE sessions SET last_activity_at = now(), expires_at = now() + make_interval(secs => $2)
WHERE id = $1 RETURNING *
"""
# The common case of an open in one statement: the person's open session, not stale,
# touched (the row lock is the UPDATE's own); no row when there is none to continue.
_TOUCH_OPEN_OF_USER = """
UPDATE sessions SET last_activity_at = now(), expires_at = now() + make_interval(secs => $2)
WHERE user_id = $1
  AND (status = 'handoff' OR (status IN ('active', 'awaiting_input') AND expires_at >= now()))
RETURNING *
"""
_CREATE = """
INSERT INTO sessions (user_id, expires_at) VALUES ($1, now() + make_interval(secs => $2))
ON CONFLICT (user_id) WHERE status IN ('active', 'awaiting_input', 'handoff') DO NOTHING
RETURNING *
"""
_UPDATE = """
UPDATE sessions SET
    status = $2,
    service_id = coalesce($3::uuid, service_id),
    state = coalesce($4::jsonb, state),
    metadata = coalesce($5::jsonb, metadata),
    last_activity_at = now(),
    expires_at = now() + make_interval(secs => $6),
    ended_at = CASE WHEN $2 IN ('closed', 'expired') THEN now() END
WHERE id = $1 RETURNING *
"""
# An update in one statement, when the session may take it: live (not stale), and in a
# status ($7) from which the requested one ($2, NULL: unchanged) may be reached.
_UPDATE_LIVE = """
UPDATE sessions SET
    status = coalesce($2, status),
    service_id = coalesce($3::uuid, service_id),
    state = coalesce($4::jsonb, state),
    metadata = coalesce($5::jsonb, metadata),
    last_activity_at = now(),
    expires_at = now() + make_interval(secs => $6),
    ended_at = CASE WHEN coalesce($2, status) IN ('closed', 'expired') THEN now() END
WHERE id = $1 AND status = ANY($7::text[])
  AND NOT (status IN ('active', 'awaiting_input') AND expires_at < now())
RETURNING *
"""
_HAND_OVER = """
UPDATE sessions SET status = 'handoff', last_activity_at = now(),
    expires_at = now() + make_interval(secs => $2)
WHERE id = $1 RETURNING *
"""
# $2: why, merged into the metadata ({"ended_by": "handoff_return", ...}).
_END_HANDOFF = """
UPDATE sessions SET status = 'closed', ended_at = now(), last_activity_at = now(),
    metadata = metadata || $2::jsonb
WHERE id = $1 RETURNING *
"""


def continuing(statement: str) -> str:
    """One statement: the person's live session ($1: their user id; $2: the session TTL)
    continued as :meth:`Sessions.open_in` does, as ``touched``, then ``statement`` (more
    common table expressions and a final query, its parameters from $3); no row when
    there is no live session to continue (:meth:`Sessions.continue_in`)."""
    return f"WITH touched AS ({_TOUCH_OPEN_OF_USER.strip()}){statement}"


# The person's roles ($1: their user id), as session.open returns them (RoleGrant).
_ROLES_OF_USER = """
SELECT coalesce(jsonb_agg(jsonb_build_object('service_id', service_id, 'role', role)
                          ORDER BY created_at, id), '[]'::jsonb)
FROM user_services WHERE user_id = $1
"""
# session.open's common case in one statement: the live session continued, with the roles.
_CONTINUE_WITH_ROLES = continuing(
    f" SELECT touched.*, ({_ROLES_OF_USER.strip()}) AS roles FROM touched"  # noqa: S608 - constant
)

# A concurrent open wins the insert at most once per attempt: three attempts are plenty.
_OPEN_ATTEMPTS = 3


@dataclass(frozen=True)
class Opened:
    """The outcome of opening a session: the open one, and a stale one ended on the way."""

    view: SessionView
    expired: SessionView | None = None


class Sessions:
    """Opens, reads and changes sessions."""

    def __init__(self, pool: asyncpg.Pool, users: Users, *, ttl_seconds: float) -> None:
        self._pool = pool
        self._users = users
        self._ttl = float(ttl_seconds)

    async def open(
        self,
        whatsapp_id: str,
        push_name: str = "",
        *,
        aliases: Sequence[str] = (),
        written: Written = UNKNOWN,
    ) -> SessionView:
        """Continue the person's open session, or create one (``created`` says which),
        with the person's roles (``roles``: the router needs them every turn).

        ``aliases`` are the person's other ids: the session is the one of the person
        any of them names (see :meth:`Users.resolve`). ``written``: when the message
        this is opened for was written; :class:`Erased` when its person was erased
        since (:mod:`store.tombstones`).
        """
        with translated("session.open"):
            async with self._pool.acquire() as conn, conn.transaction():
                person = await self._users.resolve_person(
                    conn, whatsapp_id, push_name, aliases=aliases, written=written
                )
                if person.created:  # nothing of theirs to continue, no role yet
                    opened = await self.first_in(conn, person.id)
                    opened = replace(opened, view=_with_roles(opened.view, []))
                else:
                    opened = await self._open_with_roles(conn, person.id)
        self.remember(opened)
        return opened.view

    async def _open_with_roles(self, conn: asyncpg.Connection, user_id: str) -> Opened:
        """:meth:`open_in`, the view carrying the person's roles (one statement when the
        session is continued; a second one only when it was created or expired)."""
        continued = await self.continue_in(conn, user_id, _CONTINUE_WITH_ROLES)
        if continued is not None:
            return continued[0]
        opened = await self._open_locked(conn, user_id)
        roles = await conn.fetchval(_ROLES_OF_USER, user_id)
        return replace(opened, view=_with_roles(opened.view, roles))

    async def open_in(self, conn: asyncpg.Connection, user_id: str) -> Opened:
        """Open or continue ``user_id``'s session inside the caller's transaction.

        The caller commits, then passes the result to :meth:`remember`.
        """
        touched = await conn.fetchrow(_TOUCH_OPEN_OF_USER, user_id, self._ttl)
        if touched is not None:
            return Opened(view(SessionView, touched))
        return await self._open_locked(conn, user_id)

    async def first_in(self, conn: asyncpg.Connection, user_id: str) -> Opened:
        """The first session of a person this transaction created (``Person.created``), in
        one statement: nobody else can see them yet, so there is nothing to continue."""
        created = await self._create(conn, user_id)
        if created is None:  # cannot happen for an uncommitted person; be safe all the same
            return await self.open_in(conn, user_id)
        return Opened(created)

    async def _create(self, conn: asyncpg.Connection, user_id: str) -> SessionView | None:
        """A new session of ``user_id``; None when they have an open one already."""
        created = await conn.fetchrow(_CREATE, user_id, self._ttl)
        if created is None:
            return None
        log.info("session created", extra={"session_id": str(created["id"])})
        return view(SessionView, created, created=True)

    async def _open_locked(self, conn: asyncpg.Connection, user_id: str) -> Opened:
        """:meth:`open_in` when there was no live session to touch: the open one locked
        (a stale one expired), then continued, or a session created."""
        expired = None
        for _ in range(_OPEN_ATTEMPTS):
            row = await conn.fetchrow(_LOCK_OPEN_OF_USER, user_id)
            if row is not None and row["stale"]:
                expired = view(SessionView, await conn.fetchrow(_EXPIRE, row["id"]))
                row = None
            if row is not None:
                touched = await conn.fetchrow(_TOUCH, row["id"], self._ttl)
                return Opened(view(SessionView, touched), expired)
            created = await self._create(conn, user_id)
            if created is not None:
                return Opened(created, expired)
            # Another transaction created the person's session since our lookup: continue it.
        raise RetryableError("session.open: the person's session kept changing, try again")

    async def continue_in(
        self, conn: asyncpg.Connection, user_id: str, statement: str, *args: Any
    ) -> tuple[Opened, asyncpg.Record] | None:
        """Continue the person's live session and run a :func:`continuing` ``statement`` with
        ``args``, in one round trip; None when there was none (then :meth:`open_in`).

        Inside the caller's transaction, like :meth:`open_in`; the caller commits, then
        passes the :class:`Opened` to :meth:`remember`.
        """
        row = await conn.fetchrow(statement, user_id, self._ttl, *args)
        return None if row is None else (Opened(view(SessionView, row)), row)

    async def hand_over_in(self, conn: asyncpg.Connection, user_id: str) -> Opened:
        """The person's open session moved to ``handoff`` (one is created if they have none).

        Inside the caller's transaction, like :meth:`open_in`; a stale session is
        expired on the way and a fresh one handed over instead.
        """
        opened = await self.open_in(conn, user_id)
        if opened.view.status == "handoff":
            return opened
        row = await conn.fetchrow(_HAND_OVER, opened.view.id, self._ttl)
        handed = view(SessionView, row, created=opened.view.created)
        log.info("session handed to a human", extra={"session_id": handed.id})
        return Opened(handed, opened.expired)

    async def end_handoff_in(
        self,
        conn: asyncpg.Connection,
        user_id: str,
        session_id: str | None,
        metadata: dict[str, Any],
    ) -> SessionView | None:
        """Close the person's open session if a human owned it (status ``handoff``, or
        ``session_id``, the handoff's own session); None when there was none to close.
        ``metadata`` is merged into the session's metadata (why it ended)."""
        row = await conn.fetchrow(_LOCK_OPEN_OF_USER, user_id)
        if row is None:
            return None
        if row["status"] != "handoff" and str(row["id"]) != session_id:
            return None
        return view(SessionView, await conn.fetchrow(_END_HANDOFF, row["id"], metadata))

    @staticmethod
    def remember(opened: Opened) -> None:
        """After the commit: count a stale session the open ended on the way, and a
        conversation started (a session created)."""
        if opened.expired is not None:
            child(SESSIONS_EXPIRED, "access").inc()
        if opened.view.created:
            SESSIONS_STARTED.inc()

    async def get(self, session_id: str) -> SessionView:
        """The session; NotFound when there is none."""
        key = _session_id(session_id)
        with translated("session.get"):
            row = await self._pool.fetchrow(_SELECT_BY_ID, key)
        if row is None:
            raise NotFound(f"session {key} not found")
        return view(SessionView, row)

    async def update(self, change: SessionUpdate) -> SessionView:
        """Apply ``change``: Conflict for an illegal transition or a session that is over."""
        key = _session_id(change.id)
        session = await self._update_live(key, change)
        expired_now = False
        if session is None:
            # Not found, over, stale or an illegal transition: the locked path tells which.
            with translated("session.update"):
                async with self._pool.acquire() as conn, conn.transaction():
                    session, expired_now = await self._apply(conn, key, change)
        if expired_now:
            child(SESSIONS_EXPIRED, "access").inc()
            raise Conflict(f"session {key} expired")
        return session

    async def _update_live(self, key: str, change: SessionUpdate) -> SessionView | None:
        """The common update in one statement; None when the session may not take it."""
        with translated("session.update"):
            row = await self._pool.fetchrow(
                _UPDATE_LIVE,
                key,
                change.status,
                change.service_id,
                change.state,
                change.metadata,
                self._ttl,
                _statuses_towards(change.status),
            )
        return None if row is None else view(SessionView, row)

    async def _apply(
        self, conn: asyncpg.Connection, key: str, change: SessionUpdate
    ) -> tuple[SessionView, bool]:
        """The updated session; or, with True, the session expired because it was past due.

        The expiry is committed on purpose (the session was over before this update
        arrived); the caller then refuses the update.
        """
        row = await conn.fetchrow(_LOCK_BY_ID, key)
        if row is None:
            raise NotFound(f"session {key} not found")
        if row["stale"]:
            return view(SessionView, await conn.fetchrow(_EXPIRE, key)), True
        status = _next_status(row["status"], change.status)
        updated = await conn.fetchrow(
            _UPDATE, key, status, change.service_id, change.state, change.metadata, self._ttl
        )
        return view(SessionView, updated), False


def _with_roles(session: SessionView, roles: list[dict[str, Any]]) -> SessionView:
    return msgspec.structs.replace(session, roles=msgspec.convert(roles, list[RoleGrant]))


def _next_status(current: str, requested: str | None) -> str:
    """The status after an update, or Conflict when the session cannot go there."""
    if not SESSION_TRANSITIONS[current]:
        raise Conflict(f"session is {current}: it can no longer change")
    if requested is None or requested == current:
        return current
    if requested not in SESSION_TRANSITIONS[current]:
        raise Conflict(f"a session cannot go from {current} to {requested}")
    return requested


def _statuses_towards(requested: str | None) -> list[str]:
    """The statuses from which an update may go to ``requested`` (None: stay as it is)."""
    return [
        current
        for current, allowed in SESSION_TRANSITIONS.items()
        if allowed and (requested is None or requested == current or requested in allowed)
    ]


def _session_id(value: str) -> str:
    """``value`` as a canonical UUID string; a malformed id names no session (NotFound)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise NotFound("session not found: malformed id") from None
