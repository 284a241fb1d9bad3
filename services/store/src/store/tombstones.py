"""Tombstones: an erased person stays erased, whatever is still in flight about them.

A privacy erasure (:mod:`store.erasure`) removes a person's rows in one
transaction, but their messages may still be on their way: recorded by this
store a moment later, answered by the router and ai (whose requests name the
person by WhatsApp id), or delivered again by JetStream after a crash. Without
a trace of the erasure, the first of them would create the person again.

So the erasure leaves a tombstone per WhatsApp id of the person: a keyed hash
of the id (HMAC-SHA256 under ``INTRINSIC_ID_KEY``; the id itself, a phone
number, is never kept) and the time of the erasure. Every path that finds or
creates a person by WhatsApp id (:meth:`store.users.Users.resolve`) reads the
tombstones of the ids it was given, against the time what it handles was
written (:class:`Written`):

* written no later than the latest erasure of one of its ids: it belongs to the
  erased person and is refused with :class:`~concierge_common.errors.Erased`;
  the handler drops it (acknowledged, counted, logged without ids);
* written after it: the person wrote again after being forgotten, and that is
  a new conversation with a new person, who inherits nothing from the erased
  one (no role, no session, no history);
* the organisation's own messages (a reply, a refused reply) never create a
  person whose id has a tombstone, whatever their time says: only the person,
  or a human writing from the organisation's phone, starts a new one.

Origins come from the messages (:func:`concierge_common.contracts.messages.written_time`:
the earlier of WhatsApp's and the gateway's clocks), erasure times from the
database's clock; a message written in the very second of an erasure counts as
older than it (WhatsApp's times are whole seconds), so it is dropped.

Serialisation: :meth:`Tombstones.guard` takes a transaction-level advisory lock
per id hash, in a fixed order, before ownership is read; the erasure takes the
same locks before it locks the person. A resolution and an erasure of the same
id therefore run one after the other: either the erasure comes second and
removes what the resolution wrote, or it comes first and the resolution sees
its tombstone. Rows that name a person by user id (handoffs, roles, code
attempts) need no tombstone: user ids are never reused, and their foreign keys
and row locks already make them wait for the erasure and then fail.

Tombstones are kept without end (one short row per erased id). Changing
``INTRINSIC_ID_KEY`` makes the existing ones unrecognisable, like the parent
codes it also hashes.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

# One statement for all the ids, locked in the order given (volatile functions of the
# target list are evaluated after the sort).
_LOCK = """
SELECT pg_advisory_xact_lock(hashtextextended('erased-id:' || id_hash, 0))
FROM unnest($1::text[]) WITH ORDINALITY AS ids (id_hash, n) ORDER BY n
"""
_LATEST = "SELECT max(erased_at) FROM erased_whatsapp_ids WHERE id_hash = ANY($1::text[])"
_BURY = """
INSERT INTO erased_whatsapp_ids (id_hash, erased_at)
SELECT id_hash, clock_timestamp() FROM unnest($1::text[]) AS id_hash
ON CONFLICT (id_hash) DO UPDATE
SET erased_at = greatest(erased_whatsapp_ids.erased_at, EXCLUDED.erased_at)
"""
# A phone id written the other way WhatsApp writes it ("...@c.us" is the usual one).
_JID_SUFFIX = "@s.whatsapp.net"


@dataclass(frozen=True)
class Written:
    """When what names a person was written, and whether it may start a person.

    ``at`` None: unknown, which counts as older than any erasure.
    ``starts_person`` False: the organisation's replies, which never bring back
    a person whose id was erased.
    """

    at: datetime | None = None
    starts_person: bool = True

    @classmethod
    def of_seconds(cls, seconds: float, *, starts_person: bool = True) -> Written:
        """From Unix seconds as the bus carries them (0 or less: unknown)."""
        at = datetime.fromtimestamp(seconds, tz=UTC) if seconds > 0 else None
        return cls(at, starts_person)

    def predates(self, erased_at: datetime) -> bool:
        """True when this was written no later than an erasure at ``erased_at``."""
        return self.at is None or self.at <= erased_at


UNKNOWN = Written()


class Tombstones:
    """Reads and writes the tombstones of erased WhatsApp ids (module docstring)."""

    def __init__(self, key: str) -> None:
        if not key:
            raise ValueError("the tombstones need a key (INTRINSIC_ID_KEY)")
        self._key = key.encode()

    def id_hash(self, whatsapp_id: str) -> str:
        """The keyed hash kept for ``whatsapp_id`` (both spellings of a phone id agree)."""
        canonical = whatsapp_id.strip()
        if canonical.endswith(_JID_SUFFIX):
            canonical = canonical.removesuffix(_JID_SUFFIX) + "@c.us"
        message = f"whatsapp-id\x1f{canonical}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    async def guard(self, conn: asyncpg.Connection, whatsapp_ids: Iterable[str]) -> datetime | None:
        """Lock the ids against a concurrent erasure, then return their latest erasure.

        The locks last until the caller's transaction ends (so it must be in one):
        what it writes about these ids then commits before any erasure of them
        starts, or after one committed (and its tombstone is returned here).
        """
        hashes = await self.lock(conn, whatsapp_ids)
        latest: datetime | None = await conn.fetchval(_LATEST, hashes)
        return latest

    async def lock(self, conn: asyncpg.Connection, whatsapp_ids: Iterable[str]) -> list[str]:
        """The first half of :meth:`guard`: lock the ids, return their hashes.

        The caller reads their latest erasure (``erased_whatsapp_ids``) in a later
        statement than this one: a statement sees what was committed when it
        started, so a read in the same statement would miss an erasure it waited for.
        """
        if not conn.is_in_transaction():
            raise RuntimeError("Tombstones.guard must run inside a transaction")
        hashes = sorted({self.id_hash(whatsapp_id) for whatsapp_id in whatsapp_ids})
        # One order for everyone: no deadlock between two guards.
        await conn.execute(_LOCK, hashes)
        return hashes

    async def bury(self, conn: asyncpg.Connection, whatsapp_ids: Iterable[str]) -> None:
        """Record (in the erasure's transaction) that these ids were erased now."""
        hashes = sorted({self.id_hash(whatsapp_id) for whatsapp_id in whatsapp_ids})
        if hashes:
            await conn.execute(_BURY, hashes)
