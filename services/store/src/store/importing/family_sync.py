"""Sync a source's families into ``families``, keyed by (source name, family key).

A new family is added (without a code: staff issue codes through the admin API);
a known one is rewritten when its name, parents or children differ, which also
reaches the parents who proved its code (:func:`store.families.rewrite_family`);
a family whose rows left the source is deleted, with its code and the roles its
code gave (a family that left the catechism must not read its record any more).
"""

from __future__ import annotations

import asyncpg

from concierge_common.contracts.store_api import FamilyUpdate, FamilyWrite
from concierge_common.errors import ConfigError, InvalidRequest
from store.families import insert_family, rewrite_family
from store.importing.facts import Skipped
from store.importing.family_rows import FamilyRow
from store.importing.reading import Progress
from store.importing.report import SyncReport

_EXISTING = "SELECT id, import_key FROM families WHERE import_source = $1"


async def sync_families(
    conn: asyncpg.Connection,
    source: str,
    service: str,
    families: list[FamilyRow],
    report: SyncReport,
    progress: Progress,
) -> None:
    service_id = await conn.fetchval("SELECT id FROM services WHERE name = $1", service.upper())
    if service_id is None:
        raise ConfigError(f"{source}: no service {service.upper()!r}")
    existing = {row["import_key"]: str(row["id"]) for row in await conn.fetch(_EXISTING, source)}
    for done, family in enumerate(families, start=1):
        family_id = existing.pop(family.key, None)
        try:
            async with conn.transaction():  # a savepoint: a refused family alone is undone
                await _apply(conn, source, str(service_id), family, family_id, report)
        except InvalidRequest as exc:
            report.skipped.append(Skipped(0, f"family {family.key[:40]!r}: {exc}"))
        progress("writing", done, len(families))
    for family_id in existing.values():
        await conn.execute("DELETE FROM families WHERE id = $1", family_id)
        report.retired += 1


async def _apply(
    conn: asyncpg.Connection,
    source: str,
    service_id: str,
    family: FamilyRow,
    family_id: str | None,
    report: SyncReport,
) -> None:
    if family_id is None:
        write = FamilyWrite(
            service_id=service_id,
            name=family.name,
            parents=family.parents,
            children=family.children,
        )
        await insert_family(conn, write, source=(source, family.key))
        report.added += 1
        return
    update = FamilyUpdate(
        id=family_id, name=family.name, parents=family.parents, children=family.children
    )
    if await rewrite_family(conn, update):
        report.changed += 1
    else:
        report.unchanged += 1
