"""Sync a source's facts into ``service_infos``, keyed by (source name, row key).

A fact of the source is added when its key is new, updated in place when its
service, title, content or window differ, and left alone (not even its
``updated_at``) when they do not. A fact whose row left the source is retired:
its ``valid_to`` becomes now, so it stops being answered but stays readable; one
that had not started yet is deleted (it was never valid). A retired fact whose
row comes back is updated to the row's window again.
"""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from store.importing.facts import FactRow, Skipped
from store.importing.reading import Progress
from store.importing.report import SyncReport

_EXISTING = """
SELECT id, import_key, service_id, title, content, valid_from, valid_to FROM service_infos
WHERE import_source = $1
"""
_INSERT = """
INSERT INTO service_infos (service_id, title, content, valid_from, valid_to,
                           import_source, import_key)
VALUES ($1, $2, $3, $4, $5, $6, $7)
"""
_UPDATE = """
UPDATE service_infos SET service_id = $2, title = $3, content = $4, valid_from = $5,
    valid_to = $6, updated_at = now()
WHERE id = $1
"""
_RETIRE = "UPDATE service_infos SET valid_to = $2, updated_at = now() WHERE id = $1"
_DELETE = "DELETE FROM service_infos WHERE id = $1"


async def sync_facts(
    conn: asyncpg.Connection,
    source: str,
    facts: list[FactRow],
    report: SyncReport,
    progress: Progress,
) -> None:
    services = {row["name"]: row["id"] for row in await conn.fetch("SELECT id, name FROM services")}
    existing = {row["import_key"]: row for row in await conn.fetch(_EXISTING, source)}
    for done, fact in enumerate(facts, start=1):
        service_id = services.get(fact.service)
        if service_id is None:
            report.skipped.append(Skipped(0, f"{fact.key[:40]!r}: no service {fact.service!r}"))
            existing.pop(fact.key, None)  # kept as it is, not retired
            continue
        values = (service_id, fact.title, fact.content, fact.valid_from, fact.valid_to)
        current = existing.pop(fact.key, None)
        if current is None:
            await conn.execute(_INSERT, *values, source, fact.key)
            report.added += 1
        elif _stored(current) != values:
            await conn.execute(_UPDATE, current["id"], *values)
            report.changed += 1
        else:
            report.unchanged += 1
        progress("writing", done, len(facts))
    await _retire(conn, list(existing.values()), report)


def _stored(row: asyncpg.Record) -> tuple[object, ...]:
    return (row["service_id"], row["title"], row["content"], row["valid_from"], row["valid_to"])


async def _retire(conn: asyncpg.Connection, gone: list[asyncpg.Record], report: SyncReport) -> None:
    now = datetime.now(UTC)
    for row in gone:
        if row["valid_to"] is not None and row["valid_to"] <= now:
            continue  # over already: retired before, or its window ended
        if row["valid_from"] is not None and row["valid_from"] >= now:
            await conn.execute(_DELETE, row["id"])
        else:
            await conn.execute(_RETIRE, row["id"], now)
        report.retired += 1
