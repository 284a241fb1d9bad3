"""Handoffs: a conversation handed to a human, its state and its audit trail.

While a handoff is open (requested, assigned, active) a human owns the
conversation: the person's session is in ``handoff`` and the bot stays silent.
The partial unique index ``handoffs_one_open_per_conversation`` keeps one open
handoff per conversation, so opening is idempotent even across replicas.

Writes that also change the person's session (open, move) first lock the
person's ``users`` row: every such write for one person runs after the other,
in the same lock order as privacy erasure (person, then sessions, then
handoffs), so they cannot deadlock each other. Every state a handoff enters is written to
``handoff_events`` in the same transaction.

A handoff keeps the message id its opener gave (``opened_by_message``, set when
it is inserted, never by a later open), so that the message, redelivered after
the store's reply was lost, can tell the hand-off is its own and finish it.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from concierge_common.contracts.store_api import (
    HANDOFF_OPEN_STATES,
    HANDOFF_TRANSITIONS,
    HandoffMove,
    HandoffOpen,
    HandoffTouch,
    HandoffView,
)
from concierge_common.errors import Conflict, NotFound, RetryableError
from concierge_common.metrics import child
from store.db import translated, view
from store.lookup import found
from store.metrics import HANDOFF_REASONS, HANDOFFS_OPENED, reason_label
from store.metrics import HANDOFF_TRANSITIONS as TRANSITIONS
from store.sessions import Sessions

log = logging.getLogger(__name__)

# Staff read and type references: no 0/O, 1/I/L to confuse.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_REFERENCE_ATTEMPTS = 8
# Actors that name a person: "staff:<name>" (the staff chat), "api:<name>" (the HTTP API).
_STAFF_CAUSES = ("staff", "api")
_OPEN_ATTEMPTS = 3
# Column limits (the schema's CHECKs): longer texts are cut rather than refused.
_REASON_MAX, _SUMMARY_MAX, _NAME_MAX, _NOTE_MAX = 500, 4000, 200, 1000

_LOCK_USER = "SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE"
_USER_OF = "SELECT user_id FROM handoffs WHERE id = $1"
_LOCK_BY_ID = "SELECT * FROM handoffs WHERE id = $1 FOR UPDATE"
_LOCK_OPEN_OF_CONVERSATION = """
SELECT * FROM handoffs
WHERE conversation_id = $1 AND state IN ('requested', 'assigned', 'active')
FOR UPDATE
"""
# $11: who already answers (the handoff starts active, owned by them), or NULL.
# $12: the message that opens it, or NULL; set here only, so a later open keeps it.
_INSERT = """
INSERT INTO handoffs (reference, conversation_id, user_id, session_id, wa_session, chat_id,
                      reason, requested_by, summary, state, assigned_to, opened_by_message,
                      first_staff_reply_at, last_staff_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
        CASE WHEN $11::text IS NULL THEN NULL ELSE now() END,
        CASE WHEN $11::text IS NULL THEN NULL ELSE now() END)
ON CONFLICT (conversation_id) WHERE state IN ('requested', 'assigned', 'active') DO NOTHING
RETURNING *
"""
_SET_SESSION = "UPDATE handoffs SET session_id = $2, updated_at = now() WHERE id = $1 RETURNING *"
_STAFF_ACTIVITY = """
UPDATE handoffs SET
    state = 'active',
    assigned_to = coalesce(assigned_to, $2),
    first_staff_reply_at = coalesce(first_staff_reply_at, now()),
    last_staff_at = now(),
    updated_at = now()
WHERE id = $1 RETURNING *
"""
_PERSON_ACTIVITY = """
UPDATE handoffs SET last_person_at = now(), updated_at = now() WHERE id = $1 RETURNING *
"""
_NOTICE = "UPDATE handoffs SET notice_sent_at = now(), updated_at = now() WHERE id = $1 RETURNING *"
_MOVE = """
UPDATE handoffs SET
    state = $2,
    assigned_to = coalesce(assigned_to, $3),
    ended_at = CASE WHEN $2 IN ('returned', 'closed') THEN now() END,
    updated_at = now()
WHERE id = $1 RETURNING *
"""
_EVENT = """
INSERT INTO handoff_events (handoff_id, from_state, to_state, actor, note)
VALUES ($1, $2, $3, $4, $5)
"""


@dataclass
class _Written:
    """What a transaction changed: the handoff and its state changes."""

    handoff: HandoffView
    entered: list[str] = field(default_factory=list)


class Handoffs:
    """Opens, moves and touches handoffs; keeps the person's session in step."""

    def __init__(self, pool: asyncpg.Pool, sessions: Sessions) -> None:
        self._pool = pool
        self._sessions = sessions

    async def open(self, request: HandoffOpen) -> HandoffView:
        """The conversation's open handoff, opened now if there was none (``created``).

        The person's open session moves to ``handoff`` in the same transaction.
        NotFound when the person does not exist.
        """
        with translated("handoff.open"):
            async with self._pool.acquire() as conn, conn.transaction():
                user_id = await _lock_user(conn, request.user_id)
                opened = await self._sessions.hand_over_in(conn, user_id)
                written = await _open_in(conn, request, user_id, opened.view.id)
        self._sessions.remember(opened)
        if written.handoff.created:
            child(HANDOFFS_OPENED, written.handoff.requested_by).inc()
            child(HANDOFF_REASONS, reason_label(written.handoff.reason)).inc()
            log.info(
                "handoff opened",
                extra={"handoff_id": written.handoff.id, "requested_by": request.requested_by},
            )
        _count(written)
        return written.handoff

    async def move(self, request: HandoffMove) -> HandoffView:
        """Move the handoff to ``request.to``; Conflict when the state is unexpected or
        the transition illegal. returned/closed end the session a human owned."""
        key = handoff_id(request.id)
        with translated("handoff.move"):
            async with self._pool.acquire() as conn, conn.transaction():
                user_id = found(await conn.fetchval(_USER_OF, key), f"handoff {key}")
                await _lock_user(conn, str(user_id))
                written = await self._move_in(conn, key, request)
        _count(written)
        log.info("handoff moved", extra={"handoff_id": key, "to_state": request.to})
        return written.handoff

    async def _move_in(self, conn: asyncpg.Connection, key: str, request: HandoffMove) -> _Written:
        row = found(await conn.fetchrow(_LOCK_BY_ID, key), f"handoff {key}")
        _check_move(row["state"], request)
        await self._end_session(conn, row, request.to)
        moved = await conn.fetchrow(_MOVE, key, request.to, _assignee(request))
        await _event(conn, key, row["state"], request.to, request.actor, request.note)
        return _Written(view(HandoffView, moved), [request.to])

    async def _end_session(self, conn: asyncpg.Connection, row: asyncpg.Record, to: str) -> None:
        """The handoff's session closed (returned, closed), and for returned a fresh
        active one opened, which the person continues in (no context carried)."""
        if to not in ("returned", "closed"):
            return
        why = {"ended_by": f"handoff_{'return' if to == 'returned' else 'close'}"}
        session_id = None if row["session_id"] is None else str(row["session_id"])
        metadata: dict[str, Any] = {**why, "handoff_id": str(row["id"])}
        user_id = str(row["user_id"])
        await self._sessions.end_handoff_in(conn, user_id, session_id, metadata)
        if to == "returned":
            await self._sessions.open_in(conn, user_id)

    async def touch(self, request: HandoffTouch) -> HandoffView:
        """Record activity on an open handoff (Conflict otherwise).

        ``person``: ``last_person_at``. ``staff``: ``last_staff_at``, the first
        staff reply, the owner if unset, and an unanswered handoff becomes active.
        """
        key = handoff_id(request.id)
        with translated("handoff.touch"):
            async with self._pool.acquire() as conn, conn.transaction():
                row = await _lock_open(conn, key)
                if request.by == "person":
                    written = _Written(
                        view(HandoffView, await conn.fetchrow(_PERSON_ACTIVITY, key))
                    )
                else:
                    written = await _staff_answered(conn, row, _name(request.staff))
        _count(written)
        return written.handoff

    async def notice(self, raw_id: str) -> HandoffView:
        """Mark that the "nobody is available yet" notice was sent: Conflict when it
        already was (or the handoff is over), so only one replica sends it."""
        key = handoff_id(raw_id)
        with translated("handoff.notice"):
            async with self._pool.acquire() as conn, conn.transaction():
                row = await _lock_open(conn, key)
                if row["notice_sent_at"] is not None:
                    raise Conflict(f"handoff {key}: the notice was already sent")
                noticed = await conn.fetchrow(_NOTICE, key)
        return view(HandoffView, noticed)


async def _open_in(
    conn: asyncpg.Connection, request: HandoffOpen, user_id: str, session_id: str
) -> _Written:
    """Inside open's transaction: continue the conversation's open handoff or insert one."""
    for _ in range(_OPEN_ATTEMPTS):
        row = await conn.fetchrow(_LOCK_OPEN_OF_CONVERSATION, request.conversation_id)
        if row is not None:
            return await _continue(conn, row, request, session_id)
        created = await _insert(conn, request, user_id, session_id)
        if created is not None:
            actor = request.requested_by
            await _event(conn, created["id"], None, created["state"], actor, request.reason)
            return _Written(view(HandoffView, created, created=True))
        # Another transaction opened the conversation's handoff since our lookup.
    raise RetryableError("handoff.open: the conversation's handoff kept changing, try again")


async def _continue(
    conn: asyncpg.Connection, row: asyncpg.Record, request: HandoffOpen, session_id: str
) -> _Written:
    """The open handoff, on the person's current session; owned by ``assigned_to`` if set."""
    if row["session_id"] is None or str(row["session_id"]) != session_id:
        row = await conn.fetchrow(_SET_SESSION, row["id"], session_id)
    staff = _name(request.assigned_to or "")
    if staff is None:
        return _Written(view(HandoffView, row))
    return await _staff_answered(conn, row, staff)


async def _staff_answered(
    conn: asyncpg.Connection, row: asyncpg.Record, staff: str | None
) -> _Written:
    """Staff activity on an open handoff: it becomes active (an event if it was not)."""
    updated = await conn.fetchrow(_STAFF_ACTIVITY, row["id"], staff)
    written = _Written(view(HandoffView, updated))
    if row["state"] != "active":
        actor = f"staff:{staff}" if staff else "staff"
        await _event(conn, row["id"], row["state"], "active", actor, "first staff answer")
        written.entered.append("active")
    return written


async def _insert(
    conn: asyncpg.Connection, request: HandoffOpen, user_id: str, session_id: str
) -> asyncpg.Record | None:
    """Insert with a fresh reference (retried when taken); None when the conversation
    has an open handoff already (a concurrent open won)."""
    staff = _name(request.assigned_to or "")
    values = (
        request.conversation_id,
        user_id,
        session_id,
        request.wa_session,
        request.chat_id,
        request.reason[:_REASON_MAX],
        request.requested_by,
        request.summary[:_SUMMARY_MAX],
        "requested" if staff is None else "active",
        staff,
        _name(request.message_id),
    )
    for _ in range(_REFERENCE_ATTEMPTS):
        try:
            async with conn.transaction():  # a savepoint: a taken reference keeps ours alive
                row: asyncpg.Record | None = await conn.fetchrow(_INSERT, new_reference(), *values)
                return row
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name != "handoffs_reference_key":
                raise
    raise RetryableError("handoff.open: no free reference found, try again")


async def _lock_user(conn: asyncpg.Connection, user_id: str) -> str:
    """Serialise the person's handoff writes; NotFound when there is no such person."""
    return str(found(await conn.fetchval(_LOCK_USER, user_id), f"user {user_id}"))


async def _lock_open(conn: asyncpg.Connection, key: str) -> asyncpg.Record:
    """The handoff, locked; NotFound when absent, Conflict when it is over."""
    row = found(await conn.fetchrow(_LOCK_BY_ID, key), f"handoff {key}")
    if row["state"] not in HANDOFF_OPEN_STATES:
        raise Conflict(f"handoff {key} is {row['state']}: it is over")
    return row


async def _event(
    conn: asyncpg.Connection,
    key: object,
    from_state: str | None,
    to_state: str,
    actor: str,
    note: str,
) -> None:
    actor = actor.strip()[:_NAME_MAX] or "unknown"
    await conn.execute(_EVENT, key, from_state, to_state, actor, note[:_NOTE_MAX])


def _check_move(current: str, request: HandoffMove) -> None:
    """Conflict unless the handoff is in an expected state and may go to ``request.to``."""
    if request.expected is not None and current not in request.expected:
        raise Conflict(f"handoff is {current}, not {' or '.join(request.expected) or 'any'}")
    if request.to not in HANDOFF_TRANSITIONS[current]:
        raise Conflict(f"a handoff cannot go from {current} to {request.to}")


def _assignee(request: HandoffMove) -> str | None:
    """Who owns the handoff after the move, if it had no owner: the staff member who
    assigned it or made it active (``staff:Marie`` or ``api:Marie`` -> ``Marie``)."""
    cause, _, name = request.actor.partition(":")
    by_staff = cause in _STAFF_CAUSES and bool(name.strip())
    if request.to == "assigned":
        return _name(name if by_staff else request.actor)
    if request.to == "active" and by_staff:
        return _name(name)
    return None


def _name(value: str) -> str | None:
    cleaned = value.strip()[:_NAME_MAX]
    return cleaned or None


def _count(written: _Written) -> None:
    for state in written.entered:
        child(TRANSITIONS, state).inc()


def new_reference() -> str:
    """A short reference for staff: ``"H"`` and four unambiguous characters."""
    return "H" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(4))


def handoff_id(value: str) -> str:
    """``value`` as a canonical UUID string; a malformed id names no handoff (NotFound)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise NotFound("handoff not found: malformed id") from None
