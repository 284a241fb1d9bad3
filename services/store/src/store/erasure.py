"""Privacy erasure: everything the concierge holds about one person, removed.

The rows go in one transaction (the person, their WhatsApp ids, sessions,
interactions, artifacts, roles bound to them, handoffs and their audit trail,
code attempts, and the media rows only they refer to), so an erasure is never
half done in the database. The media files are deleted from the media storage
(``MEDIA_STORAGE_URL``: local folder or S3) after the commit: deleting them
first could lose files of a person whose erasure then rolled back. A key that
would leave the local storage's root is refused, whatever a row says. Then
``after_erase`` lets whoever keeps copies outside the database (a cache) forget
what they still hold about them.

The person's copies elsewhere go last (``SECURITY.md``, "Erasure (item 5)"):
their traces (:mod:`store.erasure_traces`: ids, conversations, correlations,
handoff references, files) are read in the transaction, before the deletes;
the relays of their messages recorded in a staff chat's session are deleted
with their rows (:mod:`store.staff_relays`, their file with them when nobody
else refers to it); after the commit, their messages are removed from the
bus's streams and buckets (:mod:`store.bus_traces`) and their keys from Redis
(:mod:`store.redis_traces`). The report says what was removed from where.

The same transaction leaves a tombstone per WhatsApp id of the person
(:mod:`store.tombstones`), taken under the locks every resolution of those ids
takes: a message of theirs still in flight, or redelivered later, cannot
create them again, and one being recorded right now is recorded first and
erased with the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import asyncpg

from concierge_common.contracts.store_api import ErasureReport
from concierge_common.errors import RetryableError
from concierge_common.storage.media_storage import MediaStorage
from store.bus_traces import BusSwept, BusTraces
from store.db import rows_affected, translated
from store.erasure_traces import Traces, gather
from store.file_deletion import delete_file
from store.lookup import found
from store.redis_traces import RedisTraces
from store.staff_relays import delete_relays
from store.tombstones import Tombstones

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErasedPerson:
    """Who was erased, for the caches that may still hold something about them."""

    user_id: str
    session_ids: list[str]
    whatsapp_ids: list[str]


AfterErase = Callable[[ErasedPerson], Awaitable[None]]
"""``after_erase(person)``, awaited once the rows are gone."""

# A person's aliases may grow between reading and locking them: a few tries are plenty.
_ERASE_ATTEMPTS = 3
_WHATSAPP_IDS = "SELECT whatsapp_id FROM user_whatsapp_ids WHERE user_id = $1"
_LOCK_USER = "SELECT id FROM users WHERE id = $1 FOR UPDATE"
_LOCK_SESSIONS = "SELECT id FROM sessions WHERE user_id = $1 FOR UPDATE"
_MEDIA_OF_SESSIONS = """
SELECT media_id FROM interactions WHERE session_id = ANY($1) AND media_id IS NOT NULL
UNION
SELECT media_id FROM artifacts WHERE session_id = ANY($1) AND media_id IS NOT NULL
"""
# Once the person's interactions and artifacts are gone, a media row nobody else
# refers to is theirs alone.
_DELETE_ORPHAN_MEDIA = """
DELETE FROM media m WHERE m.id = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM interactions i WHERE i.media_id = m.id)
  AND NOT EXISTS (SELECT 1 FROM artifacts a WHERE a.media_id = m.id)
RETURNING m.file_path
"""


class Erasure:
    """Erases a person and their data."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        media: MediaStorage,
        tombstones: Tombstones,
        *,
        after_erase: AfterErase | None = None,
        conversation_key: str = "",
        bus: BusTraces | None = None,
        redis: RedisTraces | None = None,
    ) -> None:
        self._pool = pool
        self._media = media
        self._tombstones = tombstones
        self._after_erase = after_erase
        self._conversation_key = conversation_key
        self._bus = bus
        self._redis = redis

    async def erase_user(self, user_id: str) -> ErasureReport:
        """Remove the person and what is theirs; NotFound when there is no such person."""
        with translated("user.erase"):
            for _ in range(_ERASE_ATTEMPTS):
                try:
                    async with self._pool.acquire() as conn, conn.transaction():
                        whatsapp_ids = await self._bury(conn, user_id)
                        rows, session_ids, file_paths, traces = await _delete_rows(
                            conn, user_id, whatsapp_ids, self._conversation_key
                        )
                    break
                except _AliasAdded:
                    continue  # rolled back; the next try locks the new alias too
            else:
                raise RetryableError("user.erase: the person's ids kept changing, try again")
        media_files = await self._remove_files(file_paths)
        log.info(
            "user erased",
            extra={"user_id": user_id, "rows": rows, "media_files": media_files},
        )
        await self._notify(ErasedPerson(user_id, session_ids, whatsapp_ids))
        swept = await self._bus.sweep(traces) if self._bus else BusSwept({}, {})
        redis_keys = await self._redis.sweep(traces) if self._redis else 0
        return ErasureReport(
            user_id=user_id,
            rows=rows,
            media_files=media_files,
            streams=swept.streams,
            buckets=swept.buckets,
            redis_keys=redis_keys,
        )

    async def _bury(self, conn: asyncpg.Connection, user_id: str) -> list[str]:
        """Lock the person's ids as a resolution does, then the person; leave tombstones.

        The ids are locked before the person, in the order resolutions lock them
        (a resolution then locks the person's rows): the two never deadlock. An
        alias linked between the read and the lock rolls the try back.
        """
        ids = [row["whatsapp_id"] for row in await conn.fetch(_WHATSAPP_IDS, user_id)]
        await self._tombstones.guard(conn, ids)
        found(await conn.fetchval(_LOCK_USER, user_id), f"user {user_id}")
        now = [row["whatsapp_id"] for row in await conn.fetch(_WHATSAPP_IDS, user_id)]
        if not set(now) <= set(ids):
            raise _AliasAdded
        await self._tombstones.bury(conn, ids)
        return ids

    async def _remove_files(self, keys: Iterable[str]) -> int:
        """Delete the files; return how many were deleted.

        A file already gone counts as nothing to do; a refused key or a failed
        deletion is logged (without the key, which may name a person) and
        skipped, so that one bad row cannot stop the others from being erased.
        """
        removed = 0
        for key in keys:
            removed += await delete_file(self._media, key)
        return removed

    async def _notify(self, person: ErasedPerson) -> None:
        """Tell the cache owner; the erasure stands even if that fails (caches expire)."""
        if self._after_erase is None:
            return
        try:
            await self._after_erase(person)
        except Exception:
            log.exception("after_erase failed; what caches hold expires on its own")


async def _delete_rows(
    conn: asyncpg.Connection, user_id: str, whatsapp_ids: list[str], conversation_key: str
) -> tuple[dict[str, int], list[str], list[str], Traces]:
    """Delete the rows, children first so that each count is exact.

    Locking the person (done by :meth:`Erasure._bury`) and their sessions first
    makes concurrent writers that refer to them (a new session, a new
    interaction) wait, then fail on the foreign key, instead of slipping a row
    in between the deletes.
    """
    uid = found(await conn.fetchval(_LOCK_USER, user_id), f"user {user_id}")
    sessions = [row["id"] for row in await conn.fetch(_LOCK_SESSIONS, uid)]
    media_ids = [row["media_id"] for row in await conn.fetch(_MEDIA_OF_SESSIONS, sessions)]
    traces = await gather(conn, uid, whatsapp_ids, sessions, conversation_key=conversation_key)
    relayed, relayed_media = await delete_relays(conn, sessions, traces)
    media_ids += relayed_media
    rows = {
        "artifacts": await _count(
            conn, "DELETE FROM artifacts WHERE session_id = ANY($1)", sessions
        ),
        "interactions": await _count(
            conn, "DELETE FROM interactions WHERE session_id = ANY($1)", sessions
        ),
    }
    file_paths = [row["file_path"] for row in await conn.fetch(_DELETE_ORPHAN_MEDIA, media_ids)]
    rows["media"] = len(file_paths)
    if relayed:
        rows["relayed_interactions"] = relayed
    rows.update(await _delete_flow_rows(conn, uid))
    rows["sessions"] = await _count(conn, "DELETE FROM sessions WHERE user_id = $1", uid)
    rows["user_services"] = await _count(conn, "DELETE FROM user_services WHERE user_id = $1", uid)
    rows["user_whatsapp_ids"] = await _count(
        conn, "DELETE FROM user_whatsapp_ids WHERE user_id = $1", uid
    )
    rows["users"] = await _count(conn, "DELETE FROM users WHERE id = $1", uid)
    return rows, [str(session) for session in sessions], file_paths, traces


class _AliasAdded(Exception):
    """An alias was linked to the person after their ids were locked: try again."""


_FLOW_DELETES = (
    (
        "handoff_events",
        "DELETE FROM handoff_events WHERE handoff_id IN"
        " (SELECT id FROM handoffs WHERE user_id = $1)",
    ),
    ("handoffs", "DELETE FROM handoffs WHERE user_id = $1"),
    ("code_attempts", "DELETE FROM code_attempts WHERE user_id = $1"),
)


async def _delete_flow_rows(conn: asyncpg.Connection, uid: object) -> dict[str, int]:
    """The person's handoffs (with their audit trail) and code attempts.

    Counted only when there were some, so the report of a person who never met
    these flows reads as before they existed.
    """
    counts = {kind: await _count(conn, statement, uid) for kind, statement in _FLOW_DELETES}
    return {kind: count for kind, count in counts.items() if count}


async def _count(conn: asyncpg.Connection, statement: str, argument: object) -> int:
    """Run a DELETE and return how many rows it removed."""
    return rows_affected(await conn.execute(statement, argument))
