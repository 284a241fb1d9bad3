"""Retention: what the store keeps, for how long, and the purge that removes the rest.

Three kinds have a window of their own, in days (0: kept for ever):

* ``interactions`` (``RETENTION_INTERACTIONS_DAYS``): every message in or out,
  by the time the store recorded it (``created_at``: a message recovered late
  from WhatsApp's history counts from when it was recorded);
* ``artifacts`` (``RETENTION_ARTIFACTS_DAYS``): what a service produced for a
  session (an ``.ics``...), by its ``created_at``;
* ``media`` (``RETENTION_MEDIA_DAYS``): a file's row and the file itself in the
  media storage, by the row's ``created_at``. Files are content-addressed and
  shared: a file goes once it is older than its window and nothing that refers
  to it (an interaction, an artifact) is younger than that window. An older
  interaction then stays without its file (``media_id`` becomes NULL).

A file goes with the last message or artifact that referred to it, whatever
its own window: nothing could ever reach it again.

Nothing of a conversation that is still going on is purged: an interaction or
artifact of an open session (active, awaiting input, in handoff) or of a
session with an open handoff stays, and so does a file they refer to, however
old. Staff reading a handoff see the whole conversation, and ai its context.

The purge deletes in batches of ``RETENTION_BATCH_SIZE`` rows, each batch its
own short transaction that skips rows another transaction holds (a receipt
being applied, an erasure): those go on the next run. A media batch's files
are deleted after the batch's commit, and only when no media row names the key
again (a file received anew meanwhile keeps its file), as the privacy erasure
does (:mod:`store.erasure`). Only one store replica purges at a time: a run
takes a PostgreSQL advisory lock and a run that finds it taken does nothing.

A dry run counts what a purge with the same cutoffs would delete, with the
same predicates, and deletes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

import asyncpg

from concierge_common.errors import InvalidRequest
from concierge_common.metrics import child
from concierge_common.storage.media_storage import MediaStorage
from store import outages
from store.db import translated
from store.file_deletion import delete_file
from store.retention_metrics import PURGED

log = logging.getLogger(__name__)

KINDS = ("artifacts", "interactions", "media")
# pg_try_advisory_lock's key: "retent" in ASCII, the store's purge and nothing else.
LOCK_KEY = 0x726574656E74

_OPEN = """(
    s.status IN ('active', 'awaiting_input', 'handoff')
    OR EXISTS (SELECT 1 FROM handoffs h
               WHERE h.session_id = s.id AND h.state IN ('requested', 'assigned', 'active'))
)"""


def _artifact_goes(cutoff: str) -> str:
    return f"({cutoff}::timestamptz IS NOT NULL AND a.created_at < {cutoff} AND NOT {_OPEN})"


def _interaction_goes(cutoff: str) -> str:
    return f"({cutoff}::timestamptz IS NOT NULL AND i.created_at < {cutoff} AND NOT {_OPEN})"


# $1, $2, $3: the artifacts', interactions' and media's cutoffs (NULL: kept for ever). A
# media row goes when no referrer that stays is in an open session or younger than the
# media window, and the row itself is older than it; a row whose referrers all go (or
# that has none left) goes whatever its age.
_MEDIA_GOES = f"""NOT EXISTS (
    SELECT 1 FROM interactions i JOIN sessions s ON s.id = i.session_id
    WHERE i.media_id = m.id AND NOT {_interaction_goes("$2")}
      AND ({_OPEN} OR $3::timestamptz IS NULL OR i.created_at >= $3 OR m.created_at >= $3)
) AND NOT EXISTS (
    SELECT 1 FROM artifacts a JOIN sessions s ON s.id = a.session_id
    WHERE a.media_id = m.id AND NOT {_artifact_goes("$1")}
      AND ({_OPEN} OR $3::timestamptz IS NULL OR a.created_at >= $3 OR m.created_at >= $3)
)"""  # noqa: S608 - constants only
_FROM = {
    "artifacts": "artifacts a JOIN sessions s ON s.id = a.session_id",
    "interactions": "interactions i JOIN sessions s ON s.id = i.session_id",
    "media": "media m",
}
# Each kind's statements take its own cutoff as $1 (media: the three), then the batch size.
_WHERE = {
    "artifacts": _artifact_goes("$1"),
    "interactions": _interaction_goes("$1"),
    "media": _MEDIA_GOES,
}
_ALIAS = {"artifacts": "a", "interactions": "i", "media": "m"}
_COUNT = {
    kind: f"SELECT count(*) FROM {_FROM[kind]} WHERE {_WHERE[kind]}"  # noqa: S608 - constants
    for kind in _FROM
}
# Each batch: up to the batch size of rows that go, locked (rows another transaction
# holds are skipped: the next run takes them), then deleted.
_DELETE = {
    kind: f"""DELETE FROM {kind} WHERE id IN (
        SELECT {_ALIAS[kind]}.id FROM {_FROM[kind]} WHERE {_WHERE[kind]}
        LIMIT ${4 if kind == "media" else 2} FOR UPDATE OF {_ALIAS[kind]} SKIP LOCKED)
    RETURNING {"file_path" if kind == "media" else "id::text"}"""  # noqa: S608 - constants
    for kind in _FROM
}
Cutoffs = tuple[datetime | None, ...]
_REFERRED = "SELECT 1 FROM media WHERE file_path = $1 LIMIT 1"


class RetentionSettings(Protocol):
    """The settings the purge reads (the store's, or the ``purge`` command's)."""

    @property
    def retention_interactions_days(self) -> int: ...

    @property
    def retention_artifacts_days(self) -> int: ...

    @property
    def retention_media_days(self) -> int: ...

    @property
    def retention_batch_size(self) -> int: ...


@dataclass(frozen=True)
class RetentionPolicy:
    """Each kind's window in days (0: kept for ever) and the purge's batch size."""

    interactions_days: int
    artifacts_days: int
    media_days: int
    batch_size: int = 500

    @classmethod
    def of(cls, settings: RetentionSettings) -> RetentionPolicy:
        policy = cls(
            interactions_days=settings.retention_interactions_days,
            artifacts_days=settings.retention_artifacts_days,
            media_days=settings.retention_media_days,
            batch_size=settings.retention_batch_size,
        )
        policy.check()
        return policy

    def check(self) -> None:
        windows = (self.interactions_days, self.artifacts_days, self.media_days)
        if min(windows) < 0 or self.batch_size < 1:
            raise InvalidRequest("retention: windows are days >= 0, the batch size >= 1")

    def days(self, kind: str) -> int:
        return {
            "interactions": self.interactions_days,
            "artifacts": self.artifacts_days,
            "media": self.media_days,
        }[kind]

    @property
    def keeps_everything(self) -> bool:
        return not (self.interactions_days or self.artifacts_days or self.media_days)

    def cutoffs(self, now: datetime) -> Cutoffs:
        """The artifacts', interactions' and media's cutoffs (None: kept for ever)."""

        def cutoff(days: int) -> datetime | None:
            return now - timedelta(days=days) if days else None

        return (
            cutoff(self.artifacts_days),
            cutoff(self.interactions_days),
            cutoff(self.media_days),
        )


@dataclass(frozen=True)
class PurgeReport:
    """What a run deleted (or, dry, would delete): rows per kind, and media files."""

    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    files: int = 0
    dry_run: bool = False
    skipped: bool = False  # another replica was purging


class Purge:
    """Deletes what is older than its kind's window (see the module's documentation)."""

    def __init__(
        self,
        database_url: str,
        storage: MediaStorage,
        policy: RetentionPolicy,
        *,
        statement_timeout: float = 60.0,
    ) -> None:
        self._database_url = database_url
        self._storage = storage
        self._policy = policy
        self._statement_timeout = statement_timeout

    @property
    def policy(self) -> RetentionPolicy:
        return self._policy

    async def dry_run(self, *, now: datetime | None = None) -> PurgeReport:
        """How many rows of each kind a purge now would delete (and files: one per media row)."""
        cutoffs = self._policy.cutoffs(now or datetime.now(UTC))
        if self._policy.keeps_everything:
            return PurgeReport(dry_run=True)
        with translated("retention.dry_run"):
            conn = await self._connect()
            try:
                rows = {
                    kind: int(await conn.fetchval(_COUNT[kind], *_cutoffs_of(kind, cutoffs)))
                    for kind in KINDS
                }
            finally:
                await _close(conn)
        return PurgeReport(rows=rows, files=rows["media"], dry_run=True)

    async def run(self, *, now: datetime | None = None) -> PurgeReport:
        """Delete, kind by kind in batches; skipped when another replica is purging."""
        cutoffs = self._policy.cutoffs(now or datetime.now(UTC))
        if self._policy.keeps_everything:
            return PurgeReport()
        with translated("retention.purge"):
            # A connection of its own, closed after the run, which frees the session's
            # advisory lock whatever happened (the pool's connections are never reset).
            conn = await self._connect()
            try:
                if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY):
                    log.info("retention purge skipped: another replica is purging")
                    return PurgeReport(skipped=True)
                report = await self._purge(conn, cutoffs)
            finally:
                await _close(conn)
        log.info("retention purge done", extra={**report.rows, "media_files": report.files})
        return report

    async def _connect(self) -> asyncpg.Connection:
        return await outages.connect(
            self._database_url, timeout=10.0, command_timeout=self._statement_timeout
        )

    async def _purge(self, conn: asyncpg.Connection, cutoffs: Cutoffs) -> PurgeReport:
        # Artifacts and interactions first: the media rows only they referred to follow.
        rows = dict.fromkeys(KINDS, 0)
        files = 0
        for kind in KINDS:
            while True:
                async with conn.transaction():
                    deleted = [
                        row[0]
                        for row in await conn.fetch(
                            _DELETE[kind],
                            *_cutoffs_of(kind, cutoffs),
                            self._policy.batch_size,
                        )
                    ]
                if not deleted:
                    break
                rows[kind] += len(deleted)
                child(PURGED, kind).inc(len(deleted))
                if kind == "media":
                    removed = await self._remove_files(conn, deleted)
                    files += removed
                    child(PURGED, "media_files").inc(removed)
        return PurgeReport(rows=rows, files=files)

    async def _remove_files(self, conn: asyncpg.Connection, keys: Iterable[str]) -> int:
        """Delete the files no media row names any more; how many were deleted.

        A refused key or a failed deletion is logged (without the key, which may
        name a person) and skipped, so that one bad file cannot stop the purge.
        """
        removed = 0
        for key in keys:
            if await conn.fetchval(_REFERRED, key):
                continue  # received again meanwhile: its new row keeps the file
            removed += await delete_file(self._storage, key)
        return removed


def _cutoffs_of(kind: str, cutoffs: Cutoffs) -> Cutoffs:
    """The cutoffs a kind's statements take: its own, or the three for media."""
    artifacts, interactions, _ = cutoffs
    if kind == "artifacts":
        return (artifacts,)
    if kind == "interactions":
        return (interactions,)
    return cutoffs


async def _close(conn: asyncpg.Connection) -> None:
    """Close the run's connection; cut it when closing fails or is cancelled."""
    try:
        await conn.close(timeout=5.0)
    except BaseException:
        conn.terminate()
        raise
