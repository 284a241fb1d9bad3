"""Families of a service (the catechism's), written by staff, and their parent codes.

A family is a row of ``families`` holding its record (:mod:`store.family_records`).
Its parent code is a role row in ``user_services`` (role ``parent``, the code as a
keyed hash in ``intrinsic_id``, ``family_id`` set, a copy of the record in
``attributes``): first provisioned (nobody yet), then bound to the first parent who
proves it and copied for the second (:mod:`store.claims`). Changing the family
rewrites every such copy, so a verified parent reads the new record at once.

Codes: ``issue_code`` draws a strong code (:mod:`concierge_common.parent_codes`),
stores only its hash and returns it in clear, the one time anybody sees it. A
family has one code at a time: issuing another revokes the earlier one, whose
parents must prove the new one (a reissue is for a lost or leaked code).
``revoke_code`` removes the code and the parents' roles it gave.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import asyncpg

from concierge_common.contracts.store_api import (
    Deleted,
    FamilyRecordView,
    FamilyUpdate,
    FamilyWrite,
    IssuedCode,
)
from concierge_common.errors import Conflict, NotFound
from concierge_common.parent_codes import new_code
from store import family_records as records
from store.catalog import require_service
from store.codes import hash_code
from store.db import rows_affected, translated
from store.lookup import found

log = logging.getLogger(__name__)

PARENT_ROLE = "parent"
# Drawing a code already in use is about one chance in 2^57: a few tries are plenty.
_CODE_DRAWS = 5

_SELECT = """
SELECT f.id, f.service_id, f.name, f.record, f.import_source, f.created_at, f.updated_at,
       c.issued_at AS code_issued_at, c.verified AS verified_parents
FROM families f
LEFT JOIN LATERAL (
    SELECT min(u.created_at) AS issued_at, count(u.user_id) AS verified
    FROM user_services u WHERE u.family_id = f.id
) c ON true
"""
_BY_ID = _SELECT + " WHERE f.id = $1"
_BY_SERVICE = _SELECT + " WHERE f.service_id = $1 ORDER BY f.name, f.created_at, f.id"
_INSERT = """
INSERT INTO families (service_id, name, record, import_source, import_key)
VALUES ($1, $2, $3, $4, $5)
RETURNING id
"""
_LOCK = "SELECT id, service_id, name, record FROM families WHERE id = $1 FOR UPDATE"
_REWRITE = """
UPDATE families SET name = $2, record = $3, updated_at = now()
WHERE id = $1 AND (name, record) IS DISTINCT FROM ($2::text, $3::jsonb)
"""
_COPY_RECORD = """
UPDATE user_services SET attributes = $2
WHERE family_id = $1 AND attributes IS DISTINCT FROM $2::jsonb
"""
_DROP_CODE = "DELETE FROM user_services WHERE family_id = $1"
_CODE_TAKEN = "SELECT 1 FROM user_services WHERE service_id = $1 AND intrinsic_id = $2"
_PROVISION = """
INSERT INTO user_services (service_id, role, intrinsic_id, attributes, family_id)
VALUES ($1, $2, $3, $4, $5)
RETURNING created_at
"""


def record_view(row: asyncpg.Record) -> FamilyRecordView:
    stored: dict[str, Any] = row["record"]
    issued: datetime | None = row["code_issued_at"]
    return FamilyRecordView(
        id=str(row["id"]),
        service_id=str(row["service_id"]),
        name=row["name"],
        parents=records.parents_of(stored),
        children=records.children_of(stored),
        has_code=issued is not None,
        code_issued_at=issued,
        verified_parents=int(row["verified_parents"] or 0),
        import_source=row["import_source"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def read_family(conn: asyncpg.Connection, family_id: str) -> FamilyRecordView:
    return record_view(found(await conn.fetchrow(_BY_ID, family_id), f"family {family_id}"))


async def insert_family(
    conn: asyncpg.Connection, write: FamilyWrite, *, source: tuple[str, str] | None = None
) -> str:
    """A new family (checked); ``source``: the (source name, row key) it is imported from."""
    name = records.checked_name(write.name)
    stored = records.record(
        name, records.checked_parents(write.parents), records.checked_children(write.children)
    )
    await require_service(conn, write.service_id)
    import_source, import_key = source if source else (None, None)
    family_id = await conn.fetchval(
        _INSERT, write.service_id, name, stored, import_source, import_key
    )
    return str(family_id)


async def rewrite_family(conn: asyncpg.Connection, update: FamilyUpdate) -> bool:
    """Apply ``update`` to the family and its code's copies; False when nothing changed."""
    current = found(await conn.fetchrow(_LOCK, update.id), f"family {update.id}")
    stored: dict[str, Any] = current["record"]
    name = current["name"] if update.name is None else records.checked_name(update.name)
    parents = (
        records.parents_of(stored)
        if update.parents is None
        else records.checked_parents(update.parents)
    )
    children = (
        records.children_of(stored)
        if update.children is None
        else records.checked_children(update.children)
    )
    new_record = records.record(name, parents, children)
    changed = rows_affected(await conn.execute(_REWRITE, update.id, name, new_record))
    await conn.execute(_COPY_RECORD, update.id, new_record)
    return bool(changed)


class Families:
    """CRUD of ``families`` and the issue and revocation of their codes."""

    def __init__(self, pool: asyncpg.Pool, intrinsic_id_key: str) -> None:
        self._pool = pool
        self._key = intrinsic_id_key

    async def for_service(self, service_id: str) -> list[FamilyRecordView]:
        with translated("family.list"):
            async with self._pool.acquire() as conn:
                rows = await conn.fetch(_BY_SERVICE, service_id)
                if not rows:
                    await require_service(conn, service_id)
        return [record_view(row) for row in rows]

    async def get(self, family_id: str) -> FamilyRecordView:
        with translated("family.read"):
            async with self._pool.acquire() as conn:
                return await read_family(conn, family_id)

    async def create(self, write: FamilyWrite) -> FamilyRecordView:
        """A new family without a code; 422 for a rule broken, NotFound: unknown service."""
        with translated("family.create"):
            async with self._pool.acquire() as conn, conn.transaction():
                family_id = await insert_family(conn, write)
                created = await read_family(conn, family_id)
        log.info("family created", extra={"family_id": created.id})
        return created

    async def update(self, update: FamilyUpdate) -> FamilyRecordView:
        with translated("family.update"):
            async with self._pool.acquire() as conn, conn.transaction():
                await rewrite_family(conn, update)
                return await read_family(conn, update.id)

    async def delete(self, family_id: str) -> Deleted:
        """Delete the family; its code rows go with it (ON DELETE CASCADE)."""
        with translated("family.delete"):
            deleted = await self._pool.fetchval(
                "DELETE FROM families WHERE id = $1 RETURNING id", family_id
            )
        log.info("family deleted", extra={"family_id": family_id})
        return Deleted(id=str(found(deleted, f"family {family_id}")))

    async def issue_code(self, family_id: str) -> IssuedCode:
        """A new code for the family (its earlier one revoked), returned in clear once."""
        with translated("family.issue_code"):
            async with self._pool.acquire() as conn, conn.transaction():
                family = found(await conn.fetchrow(_LOCK, family_id), f"family {family_id}")
                revoked = rows_affected(await conn.execute(_DROP_CODE, family_id))
                code, issued_at = await self._provision(conn, family)
        log.info("family code issued", extra={"family_id": family_id, "revoked_roles": revoked})
        return IssuedCode(
            family_id=family_id, code=code, issued_at=issued_at, revoked_roles=revoked
        )

    async def _provision(
        self, conn: asyncpg.Connection, family: asyncpg.Record
    ) -> tuple[str, datetime]:
        service_id = str(family["service_id"])
        for _ in range(_CODE_DRAWS):
            code = new_code()
            hashed = hash_code(self._key, service_id, code)
            await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", hashed)
            if await conn.fetchval(_CODE_TAKEN, service_id, hashed):
                continue
            issued_at: datetime = await conn.fetchval(
                _PROVISION, service_id, PARENT_ROLE, hashed, family["record"], family["id"]
            )
            return code, issued_at
        raise Conflict("family.issue_code: no free code was drawn, try again")

    async def revoke_code(self, family_id: str) -> FamilyRecordView:
        """Remove the family's code and the roles it gave; NotFound when it has none."""
        with translated("family.revoke_code"):
            async with self._pool.acquire() as conn, conn.transaction():
                family = await read_family(conn, family_id)
                if not family.has_code:
                    raise NotFound(f"family {family_id} has no code")
                revoked = rows_affected(await conn.execute(_DROP_CODE, family_id))
                after = await read_family(conn, family_id)
        log.info("family code revoked", extra={"family_id": family_id, "revoked_roles": revoked})
        return after
