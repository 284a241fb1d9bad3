"""One sync of a source: read its rows, map them, write the differences, report.

The writes run in one transaction under a lock of the source (two syncs of one
source, a scheduled one and ``concierge import``, run one after the other). A dry
run does exactly the same work and rolls the transaction back, so its report is
the one a real run would give. A source that answers no rows at all is refused
(nothing retired) unless its mapping says ``allow_empty``: an empty answer is
far more often a broken share, filter or token than a parish without facts.
"""

from __future__ import annotations

import logging

import asyncpg
import httpx

from concierge_common.errors import PermanentError
from store.db import translated
from store.importing.fact_sync import sync_facts
from store.importing.facts import facts_of
from store.importing.family_rows import families_of
from store.importing.family_sync import sync_families
from store.importing.http_fetch import Sleep
from store.importing.mapping import Mapping
from store.importing.reading import Progress, read_rows
from store.importing.report import SyncReport

log = logging.getLogger(__name__)

HTTP_TIMEOUT_SECONDS = 30.0


class EmptySource(PermanentError):
    """The source answered no rows and its mapping does not allow that."""


class _DryRun(Exception):
    """Raised to roll a dry run's transaction back."""


def _quiet(stage: str, done: int, total: int) -> None:
    """No progress shown."""


async def run_sync(
    pool: asyncpg.Pool,
    mapping: Mapping,
    *,
    sleep: Sleep,
    dry_run: bool = False,
    progress: Progress = _quiet,
    client: httpx.AsyncClient | None = None,
) -> SyncReport:
    """Sync ``mapping``'s source into the database of ``pool``."""
    if client is None:
        async with httpx.AsyncClient(
            timeout=HTTP_TIMEOUT_SECONDS, follow_redirects=True
        ) as own_client:
            return await run_sync(
                pool, mapping, sleep=sleep, dry_run=dry_run, progress=progress, client=own_client
            )
    rows = await read_rows(mapping, client, sleep=sleep, progress=progress)
    if not rows and not mapping.allow_empty:
        raise EmptySource(f"{mapping.name}: the source has no rows; nothing was changed")
    report = SyncReport(source=mapping.name, dry_run=dry_run, rows=len(rows))
    try:
        with translated(f"import {mapping.name}"):
            async with pool.acquire() as conn, conn.transaction():
                lock = f"import:{mapping.name}"
                await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", lock)
                await _write(conn, mapping, rows, report, progress)
                if dry_run:
                    raise _DryRun
    except _DryRun:
        pass
    log.info(
        "source synced",
        extra={
            "source": mapping.name,
            "dry_run": dry_run,
            "added": report.added,
            "changed": report.changed,
            "retired": report.retired,
            "skipped": len(report.skipped),
        },
    )
    return report


async def _write(
    conn: asyncpg.Connection,
    mapping: Mapping,
    rows: list[dict[str, str]],
    report: SyncReport,
    progress: Progress,
) -> None:
    if mapping.facts is not None:
        facts, skipped = facts_of(rows, mapping.facts, mapping.timezone)
        report.skipped.extend(skipped)
        await sync_facts(conn, mapping.name, facts, report, progress)
        return
    assert mapping.families is not None
    families, skipped = families_of(rows, mapping.families)
    report.skipped.extend(skipped)
    await sync_families(conn, mapping.name, mapping.families.service, families, report, progress)
