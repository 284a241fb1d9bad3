"""The retention purge deletes exactly what is older than its kind's window, and its files.

Real PostgreSQL (every migration applied) and a local media storage. The rows
are written with their ages set explicitly; each run is given the same ``now``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from concierge_common.storage.media_storage import LocalMediaStorage, open_storage
from concierge_common.storage.sigv4 import Credentials
from store.retention import LOCK_KEY, Purge, PurgeReport, RetentionPolicy
from support.fake_s3 import FakeS3, serve_s3
from support.store_db import migrated_pool

NOW = datetime.now(UTC)
# The windows of most tests: interactions and artifacts a year, media 90 days.
POLICY = RetentionPolicy(interactions_days=365, artifacts_days=365, media_days=90, batch_size=2)


def ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with migrated_pool(database_url) as pool:
        yield pool


@dataclass
class Rows:
    """Rows written by the test, by the name it gives them."""

    pool: asyncpg.Pool
    root: Path
    ids: dict[str, uuid.UUID] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    sessions: set[str] = field(default_factory=set)

    async def session(self, name: str, status: str = "closed") -> uuid.UUID:
        self.sessions.add(name)
        user = await self.pool.fetchval("INSERT INTO users (name) VALUES ('') RETURNING id")
        ended = None if status in ("active", "awaiting_input", "handoff") else ago(400)
        self.ids[name] = await self.pool.fetchval(
            "INSERT INTO sessions (user_id, status, created_at, expires_at, ended_at)"
            " VALUES ($1, $2, $3, $4, $5) RETURNING id",
            user,
            status,
            ago(500),
            NOW + timedelta(hours=1),
            ended,
        )
        return self.ids[name]

    async def open_handoff(self, session: str) -> None:
        user = await self.pool.fetchval(
            "SELECT user_id FROM sessions WHERE id = $1", self.ids[session]
        )
        await self.pool.execute(
            "INSERT INTO handoffs (reference, conversation_id, user_id, session_id, chat_id,"
            " requested_by) VALUES ('HABCD', 'c1', $1, $2, 'chat', 'person')",
            user,
            self.ids[session],
        )

    async def media(self, name: str, days: int) -> uuid.UUID:
        key = f"2026/{name}.jpg"
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(name.encode())
        self.files[name] = path
        self.ids[name] = await self.pool.fetchval(
            "INSERT INTO media (filename, file_path, mime_type, size, sha256, created_at)"
            " VALUES ($1, $2, 'image/jpeg', $3, $4, $5) RETURNING id",
            name,
            key,
            len(name),
            hashlib.sha256(name.encode()).hexdigest(),
            ago(days),
        )
        return self.ids[name]

    async def interaction(
        self, name: str, session: str, days: int, media: str | None = None
    ) -> None:
        self.ids[name] = await self.pool.fetchval(
            "INSERT INTO interactions (session_id, direction, content, provider_message_id,"
            " media_id, created_at, occurred_at) VALUES ($1, 'in', 'bonjour', $2, $3, $4, $4)"
            " RETURNING id",
            self.ids[session],
            f"wa:{name}",
            self.ids[media] if media else None,
            ago(days),
        )

    async def artifact(self, name: str, session: str, days: int, media: str | None = None) -> None:
        self.ids[name] = await self.pool.fetchval(
            "INSERT INTO artifacts (session_id, type, media_id, created_at)"
            " VALUES ($1, 'ics', $2, $3) RETURNING id",
            self.ids[session],
            self.ids[media] if media else None,
            ago(days),
        )

    @property
    def everything(self) -> set[str]:
        """The names of every interaction, artifact and media row written."""
        return set(self.ids) - self.sessions

    async def left(self) -> set[str]:
        """The names of the rows still in the database."""
        present: set[uuid.UUID] = set()
        for table in ("interactions", "artifacts", "media"):
            present |= {row["id"] for row in await self.pool.fetch(f"SELECT id FROM {table}")}  # noqa: S608
        return {name for name in self.everything if self.ids[name] in present}

    def files_left(self) -> set[str]:
        return {name for name, path in self.files.items() if path.exists()}


@pytest.fixture
async def rows(pool: asyncpg.Pool, tmp_path: Path) -> Rows:
    """Old and young rows of each kind, in closed sessions and in conversations still open."""
    made = Rows(pool, tmp_path)
    await made.session("closed")
    await made.session("open", status="active")
    await made.session("handed_off", status="expired")
    await made.open_handoff("handed_off")
    # Interactions, each with a file of its own age.
    await made.media("m_old", 400)
    await made.interaction("i_old", "closed", 400, media="m_old")
    await made.media("m_mid", 200)
    await made.interaction("i_mid", "closed", 200, media="m_mid")
    await made.media("m_young", 10)
    await made.interaction("i_young", "closed", 10, media="m_young")
    await made.media("m_open", 400)
    await made.interaction("i_open", "open", 400, media="m_open")
    await made.interaction("i_handed_off", "handed_off", 400)
    # A file received long ago and again lately (content-addressed: one row).
    await made.media("m_shared", 400)
    await made.interaction("i_old_shared", "closed", 400, media="m_shared")
    await made.interaction("i_new_shared", "closed", 5, media="m_shared")
    # Artifacts.
    await made.media("m_artifact", 400)
    await made.artifact("a_old", "closed", 400, media="m_artifact")
    await made.artifact("a_young", "closed", 10)
    await made.artifact("a_open", "open", 400)
    return made


# What POLICY removes from ``rows``: the year-old interactions and artifacts of closed
# conversations, their files, and the 200-day-old file of a message that stays.
GONE = {"i_old", "i_old_shared", "a_old", "m_old", "m_mid", "m_artifact"}


async def test_purge_deletes_what_is_older_than_its_window_and_its_files(
    pool: asyncpg.Pool, rows: Rows, database_url: str
) -> None:
    report = await Purge(database_url, LocalMediaStorage(rows.root), POLICY).run(now=NOW)
    assert await rows.left() == rows.everything - GONE
    assert rows.files_left() == {"m_young", "m_open", "m_shared"}
    assert report == PurgeReport(rows={"artifacts": 1, "interactions": 2, "media": 3}, files=3)
    # The message kept without its 200-day-old file.
    assert (
        await pool.fetchval(
            "SELECT media_id FROM interactions WHERE provider_message_id = 'wa:i_mid'"
        )
        is None
    )


async def test_dry_run_reports_exactly_what_the_purge_then_deletes_and_deletes_nothing(
    pool: asyncpg.Pool, rows: Rows, database_url: str
) -> None:
    before = await rows.left()
    purge = Purge(database_url, LocalMediaStorage(rows.root), POLICY)
    dry = await purge.dry_run(now=NOW)
    assert await rows.left() == before
    assert rows.files_left() == set(rows.files)
    done = await purge.run(now=NOW)
    assert dry == PurgeReport(rows=done.rows, files=done.files, dry_run=True)
    assert sum(dry.rows.values()) == len(GONE)


async def test_a_window_of_zero_keeps_that_kind_for_ever(rows: Rows, database_url: str) -> None:
    only_messages = RetentionPolicy(interactions_days=365, artifacts_days=0, media_days=0)
    purge = Purge(database_url, LocalMediaStorage(rows.root), only_messages)
    dry = await purge.dry_run(now=NOW)
    report = await purge.run(now=NOW)
    # The year-old messages go, and the file only they referred to; artifacts, the
    # 200-day-old file of a message that stays and the shared file stay.
    assert rows.everything - await rows.left() == {"i_old", "i_old_shared", "m_old"}
    assert rows.files_left() == set(rows.files) - {"m_old"}
    assert report.rows == dry.rows == {"artifacts": 0, "interactions": 2, "media": 1}


async def test_nothing_is_purged_while_another_replica_holds_the_lock(
    pool: asyncpg.Pool, rows: Rows, database_url: str
) -> None:
    other = await asyncpg.connect(database_url)
    try:
        assert await other.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY)
        report = await Purge(database_url, LocalMediaStorage(rows.root), POLICY).run(now=NOW)
    finally:
        await other.close()
    assert report.skipped
    assert await rows.left() == rows.everything
    # Once that replica is done, the next run purges.
    again = await Purge(database_url, LocalMediaStorage(rows.root), POLICY).run(now=NOW)
    assert not again.skipped
    assert sum(again.rows.values()) == len(GONE)


async def test_the_purge_command_prints_the_counts_per_kind(
    pool: asyncpg.Pool, rows: Rows, database_url: str
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEDIA_STORAGE_URL": str(rows.root),
        "RETENTION_INTERACTIONS_DAYS": "365",
        "RETENTION_ARTIFACTS_DAYS": "365",
        "RETENTION_MEDIA_DAYS": "90",
    }
    dry = _command(env, "--dry-run")
    assert "interactions: would delete 2 (older than 365 days)" in dry
    assert "artifacts: would delete 1 (older than 365 days)" in dry
    assert "media: would delete 3 (older than 90 days)" in dry
    assert rows.files_left() == set(rows.files)
    done = _command(env)
    assert "interactions: deleted 2" in done
    assert "media files: deleted 3" in done
    assert rows.files_left() == {"m_young", "m_open", "m_shared"}


def _command(env: dict[str, str], *options: str) -> str:
    finished = subprocess.run(
        [sys.executable, "-m", "store", "purge", *options],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    return finished.stdout


@pytest.fixture
async def s3() -> AsyncIterator[tuple[FakeS3, str]]:
    """A fake S3 bucket, and its MEDIA_STORAGE_URL."""
    fake = FakeS3(Credentials("retention-key", "retention-secret"), "eu-west-1", "", "media")
    server = await serve_s3(fake)
    url = f"s3+http://retention-key:retention-secret@127.0.0.1:{server.port}/media?region=eu-west-1"
    try:
        yield fake, url
    finally:
        await server.stop()


async def test_the_purge_deletes_old_files_from_an_s3_storage(
    pool: asyncpg.Pool, tmp_path: Path, s3: tuple[FakeS3, str], database_url: str
) -> None:
    fake, url = s3
    storage = open_storage(url)
    made = Rows(pool, tmp_path)
    await made.session("closed")
    for name, days in (("m_s3_old", 120), ("m_s3_young", 3)):
        await made.media(name, days)
        await storage.put(f"2026/{name}.jpg", name.encode(), "image/jpeg")
        await made.interaction(f"i_{name}", "closed", days, media=name)
    report = await Purge(database_url, storage, POLICY).run(now=NOW)
    assert (report.rows["media"], report.files) == (1, 1)
    assert set(fake.objects) == {"2026/m_s3_young.jpg"}
    assert fake.invalid == []
