"""People and their WhatsApp aliases.

A person writes from a phone id (``...@c.us``) or an opaque ``...@lid``; both
are aliases of one ``users`` row. The primary key of ``user_whatsapp_ids``
makes an alias belong to one person only, and is what makes :meth:`Users.resolve`
safe when two replicas see the first message of a new person at the same time.

The gateway tells which ids are one person (the phone id behind an ``@lid``):
:meth:`Users.resolve` links the ones nobody owns yet to that person, so what
belongs to them (roles, claims, sessions) follows them from one id to the
other. An id another person already owns is left alone (two users are never
merged automatically: that is for staff to decide).

A person who was erased is not brought back by what was written before the
erasure: :meth:`Users.resolve` checks the ids' tombstones against the time
what it resolves for was written, under locks that order it with the erasure
(:mod:`store.tombstones`), and raises :class:`Erased` instead.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from concierge_common.contracts.store_api import UserView
from concierge_common.errors import Conflict, Erased, NotFound
from store.db import translated, view
from store.tombstones import UNKNOWN, Tombstones, Written

log = logging.getLogger(__name__)

_NAME_MAX = 200  # users.name CHECK
# A new person losing one of their ids to a concurrent resolve tries again: twice is plenty.
_RESOLVE_ATTEMPTS = 3
# The WhatsApp ids a person writes from (the schema's CHECK on user_whatsapp_ids).
_PERSON_ID = re.compile(r"^[^@\s]+@(c\.us|lid|s\.whatsapp\.net|api)$")

_SELECT_USER = """
SELECT u.id, u.name, u.is_active, u.created_at, u.updated_at,
       coalesce(array_agg(w.whatsapp_id ORDER BY w.created_at, w.whatsapp_id)
                FILTER (WHERE w.whatsapp_id IS NOT NULL), '{}') AS whatsapp_ids
FROM users u LEFT JOIN user_whatsapp_ids w ON w.user_id = u.id
WHERE u.id = $1
GROUP BY u.id
"""
_OWNER = "SELECT user_id FROM user_whatsapp_ids WHERE whatsapp_id = $1"
_OWNERS = "SELECT whatsapp_id, user_id FROM user_whatsapp_ids WHERE whatsapp_id = ANY($1::text[])"
# The latest erasure of the ids' hashes ($2), and who owns each id ($1) with their name:
# always one row (the erasure, maybe NULL), then one per owned id.
_ERASURE_AND_OWNERS = """
SELECT e.erased_at, w.whatsapp_id, w.user_id, u.name
FROM (SELECT max(erased_at) AS erased_at FROM erased_whatsapp_ids
      WHERE id_hash = ANY($2::text[])) e
LEFT JOIN (user_whatsapp_ids w JOIN users u ON u.id = w.user_id)
    ON w.whatsapp_id = ANY($1::text[])
"""
_OWNER_AND_NAME = """
SELECT w.user_id, u.name FROM user_whatsapp_ids w JOIN users u ON u.id = w.user_id
WHERE w.whatsapp_id = $1
"""
# A person ($1: their name) created with their alias ($2) claimed, in one round trip:
# ``claimed`` is NULL when a concurrent claim of the alias won (the caller removes the person).
_CREATE_CLAIMING = """
WITH person AS (INSERT INTO users (name) VALUES ($1) RETURNING id),
claim AS (
    INSERT INTO user_whatsapp_ids (whatsapp_id, user_id) SELECT $2, id FROM person
    ON CONFLICT (whatsapp_id) DO NOTHING
    RETURNING user_id
)
SELECT person.id, (SELECT user_id FROM claim) AS claimed FROM person
"""
_NAME_USER = "UPDATE users SET name = $2, updated_at = now() WHERE id = $1 AND name = ''"
_CLAIM_ALIAS = """
INSERT INTO user_whatsapp_ids (whatsapp_id, user_id) VALUES ($1, $2)
ON CONFLICT (whatsapp_id) DO NOTHING
RETURNING user_id
"""


@dataclass(frozen=True)
class Person:
    """A resolved person: their id, and whether resolving them created them."""

    id: str
    created: bool = False


@dataclass(frozen=True)
class _Owner:
    """Who owns a WhatsApp id, and their name ("" when unknown)."""

    user_id: str
    name: str


def is_person(whatsapp_id: str) -> bool:
    """True for a person's chat; False for a group or anything else no user can own."""
    return _PERSON_ID.match(whatsapp_id) is not None


class Users:
    """Reads people, finds or creates them by WhatsApp id, links a second alias."""

    def __init__(self, pool: asyncpg.Pool, tombstones: Tombstones) -> None:
        self._pool = pool
        self._tombstones = tombstones

    async def get(self, user_id: str) -> UserView:
        """The person with all their aliases; NotFound when there is none."""
        with translated("user.get"):
            row = await self._pool.fetchrow(_SELECT_USER, user_id)
        if row is None:
            raise NotFound(f"user {user_id} not found")
        return view(UserView, row)

    async def resolve(
        self,
        conn_or_pool: asyncpg.Connection | asyncpg.Pool,
        whatsapp_id: str,
        push_name: str = "",
        *,
        aliases: Sequence[str] = (),
        written: Written = UNKNOWN,
    ) -> str:
        """The id of the person behind ``whatsapp_id`` and ``aliases`` (:meth:`resolve_person`)."""
        person = await self.resolve_person(
            conn_or_pool, whatsapp_id, push_name, aliases=aliases, written=written
        )
        return person.id

    async def resolve_person(
        self,
        conn_or_pool: asyncpg.Connection | asyncpg.Pool,
        whatsapp_id: str,
        push_name: str = "",
        *,
        aliases: Sequence[str] = (),
        written: Written = UNKNOWN,
    ) -> Person:
        """The person behind ``whatsapp_id`` and their other ids ``aliases``.

        The first of ``[whatsapp_id, *aliases]`` already owned names the person;
        the others nobody owns are linked to them. When none is known, a person
        is created with them all. :class:`Erased` when what it is resolved for
        (``written`` then) belongs to a person erased since.

        Pass a connection inside the caller's transaction (a savepoint when it creates
        or links an id): the
        erasure of these ids waits until that transaction ends, so what it writes
        about the person is either erased or never erased-then-recreated. A pool
        runs it in a transaction of its own.

        ``created`` says the person was created by this call, in the caller's
        transaction: until it commits nobody else can see them, so they have no
        session, role or message yet (the callers skip looking for them).
        """
        if isinstance(conn_or_pool, asyncpg.Pool):
            with translated("user.resolve"):
                async with conn_or_pool.acquire() as conn, conn.transaction():
                    return await self.resolve_person(
                        conn, whatsapp_id, push_name, aliases=aliases, written=written
                    )
        name = push_name.strip()[:_NAME_MAX]
        person_ids = [whatsapp_id, *_other_ids(whatsapp_id, aliases)]
        with translated("user.resolve"):
            hashes = await self._tombstones.lock(conn_or_pool, person_ids)
            erased_at, owners = await _erasure_and_owners(conn_or_pool, person_ids, hashes)
            if erased_at is not None and written.predates(erased_at):
                raise Erased("user.resolve: written before its person was erased")
            if all(i in owners for i in person_ids):
                return Person(await _known(conn_or_pool, person_ids, owners, name))
            creates = erased_at is None or written.starts_person
            if len(person_ids) == 1 and creates:
                # One id nobody owned: no alias to lose, so no savepoint; a claim of the id
                # since the read above is waited for and wins (:func:`_create`).
                return await _create(conn_or_pool, whatsapp_id, name)
            for _ in range(_RESOLVE_ATTEMPTS - 1):
                try:
                    return await _resolve_once(
                        conn_or_pool, person_ids, name, strict=True, creates=creates
                    )
                except _LostToAnother:
                    pass  # rolled back: the other person's id now names the person
            return await _resolve_once(
                conn_or_pool, person_ids, name, strict=False, creates=creates
            )

    async def link_alias(self, user_id: str, whatsapp_id: str) -> UserView:
        """Attach another WhatsApp id to a person; Conflict when it is someone else's.

        Linking an alias the person already has changes nothing.
        """
        with translated("user.link_alias"):
            async with self._pool.acquire() as conn, conn.transaction():
                uid = await conn.fetchval("SELECT id FROM users WHERE id = $1", user_id)
                if uid is None:
                    raise NotFound(f"user {user_id} not found")
                if await conn.fetchval(_CLAIM_ALIAS, whatsapp_id, uid) is not None:
                    await conn.execute("UPDATE users SET updated_at = now() WHERE id = $1", uid)
                elif await conn.fetchval(_OWNER, whatsapp_id) != uid:
                    raise Conflict("this WhatsApp id belongs to another user")
                row = await conn.fetchrow(_SELECT_USER, uid)
        return view(UserView, row)


async def _erasure_and_owners(
    conn: asyncpg.Connection, person_ids: list[str], hashes: list[str]
) -> tuple[datetime | None, dict[str, _Owner]]:
    """The ids' latest erasure and their owners today, in one statement (after the lock)."""
    rows = await conn.fetch(_ERASURE_AND_OWNERS, person_ids, hashes)
    owners = {
        row["whatsapp_id"]: _Owner(str(row["user_id"]), row["name"])
        for row in rows
        if row["whatsapp_id"] is not None
    }
    erased_at: datetime | None = rows[0]["erased_at"]
    return erased_at, owners


async def _known(
    conn: asyncpg.Connection, person_ids: list[str], owners: dict[str, _Owner], name: str
) -> str:
    """The person when every one of their ids is owned already: nothing to link nor create
    (so no savepoint); their name is set if they had none."""
    owner = owners[person_ids[0]]
    if name and not owner.name:
        await conn.execute(_NAME_USER, owner.user_id, name)
    if any(owners[i].user_id != owner.user_id for i in person_ids[1:]):
        log.warning("alias left to another user: not merged automatically")
    return owner.user_id


class _LostToAnother(Exception):
    """A person was just created here, but a concurrent resolve gave one of their ids
    to another person: roll back and resolve again (that id then names the person)."""


async def _resolve_once(
    conn: asyncpg.Connection, person_ids: list[str], name: str, *, strict: bool, creates: bool
) -> Person:
    """One attempt of :meth:`Users.resolve`, in a savepoint.

    ``strict``: raise :class:`_LostToAnother` (rolling the savepoint back) when
    the person was unknown and one of their ids went to someone else meanwhile.
    ``creates`` False: :class:`Erased` rather than a new person when none is known.
    """
    async with conn.transaction():
        owners = await _owners(conn, person_ids)
        if not owners and not creates:
            raise Erased("user.resolve: a reply does not bring an erased person back")
        named_by = next((i for i in person_ids if i in owners), person_ids[0])
        # Owned a moment ago: found. Unowned: created, unless claimed since (then found).
        person = await _find(conn, named_by, name) if named_by in owners else None
        person = person or await _create(conn, named_by, name)
        others = [i for i in person_ids if i != named_by]
        lost = await _link_unowned(conn, person.id, others, owners)
        if lost and strict and named_by not in owners:
            raise _LostToAnother
        if lost:
            log.warning("alias left to another user: not merged automatically")
        return person


def _other_ids(whatsapp_id: str, aliases: Sequence[str]) -> list[str]:
    """The aliases worth linking: a person's ids, each once, not ``whatsapp_id`` itself."""
    others: list[str] = []
    for alias in aliases:
        if alias == whatsapp_id or alias in others:
            continue
        if not is_person(alias):
            log.warning("alias ignored: not a WhatsApp id of a person")
            continue
        others.append(alias)
    return others


async def _owners(conn: asyncpg.Connection, whatsapp_ids: list[str]) -> dict[str, str]:
    """Who owns each of these ids today (the ids nobody owns are absent)."""
    rows = await conn.fetch(_OWNERS, whatsapp_ids)
    return {row["whatsapp_id"]: str(row["user_id"]) for row in rows}


async def _link_unowned(
    conn: asyncpg.Connection, user_id: str, others: list[str], owners: dict[str, str]
) -> bool:
    """Link to ``user_id`` the ids nobody owned; True when one is someone else's.

    A concurrent claim of the same id is waited for by ``ON CONFLICT``; when it
    was for another person, the id stays theirs.
    """
    lost = False
    for whatsapp_id in others:
        owner = owners.get(whatsapp_id)
        if owner is None:
            if await conn.fetchval(_CLAIM_ALIAS, whatsapp_id, user_id) is not None:
                log.info("alias linked", extra={"user_id": user_id})
                continue
            owner = str(await conn.fetchval(_OWNER, whatsapp_id))
        lost = lost or owner != user_id
    return lost


async def _find(conn: asyncpg.Connection, whatsapp_id: str, name: str) -> Person | None:
    """The alias's owner (named ``name`` if they had no name); None when nobody owns it."""
    owner = await conn.fetchrow(_OWNER_AND_NAME, whatsapp_id)
    if owner is None:
        return None
    if name and not owner["name"]:
        await conn.execute(_NAME_USER, owner["user_id"], name)
    return Person(str(owner["user_id"]))


async def _create(conn: asyncpg.Connection, whatsapp_id: str, name: str) -> Person:
    """A person inserted with the alias claimed for them, in one statement.

    ``ON CONFLICT DO NOTHING`` waits for a concurrent claim of the same alias
    to commit; when that one won, the person inserted here is removed again and
    the winner returned, so a new WhatsApp id ends with exactly one user.
    """
    row = await conn.fetchrow(_CREATE_CLAIMING, name, whatsapp_id)
    if row["claimed"] is not None:
        log.info("user created", extra={"user_id": str(row["id"])})
        return Person(str(row["id"]), created=True)
    await conn.execute("DELETE FROM users WHERE id = $1", row["id"])
    return Person(str(await conn.fetchval(_OWNER, whatsapp_id)))
