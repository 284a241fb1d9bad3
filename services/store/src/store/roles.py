"""Roles of people in services (a parent in CATECHESE, an agent in CONTACT_HUMAIN).

A role may carry an identifier the person proves (a family's parent code). It is
stored as a keyed hash (:mod:`store.codes`) and never returned: a role only says
whether it has one, so that no listing or backup leaks the codes.
"""

from __future__ import annotations

import logging

import asyncpg

from concierge_common.contracts.store_api import Deleted, RoleView, RoleWrite
from concierge_common.errors import Conflict, InvalidRequest
from store.catalog import require_service
from store.codes import hash_code, normalise_code
from store.db import translated, view
from store.lookup import found

log = logging.getLogger(__name__)

_COLUMNS = "id, user_id, service_id, role, intrinsic_id IS NOT NULL AS has_intrinsic_id, created_at"
_INSERT = f"""
INSERT INTO user_services (user_id, service_id, role, intrinsic_id)
VALUES ($1, $2, $3, $4)
RETURNING {_COLUMNS}
"""  # noqa: S608 - constant column list
_LIST = f"""
SELECT {_COLUMNS} FROM user_services
WHERE ($1::uuid IS NULL OR user_id = $1) AND ($2::uuid IS NULL OR service_id = $2)
ORDER BY created_at, id
"""  # noqa: S608 - constant column list


class Roles:
    """Grants, revocations and listings of ``user_services``."""

    def __init__(self, pool: asyncpg.Pool, intrinsic_id_key: str) -> None:
        self._pool = pool
        self._key = intrinsic_id_key

    async def grant(self, write: RoleWrite) -> RoleView:
        """Give a person a role; Conflict when they have it or the code is taken.

        NotFound when the person or the service does not exist.
        """
        intrinsic_id = None
        if write.intrinsic_id is not None:
            if not normalise_code(write.intrinsic_id):
                raise InvalidRequest("role.grant: the intrinsic id is empty", status=422)
            intrinsic_id = hash_code(self._key, write.service_id, write.intrinsic_id)
        with translated("role.grant"):
            async with self._pool.acquire() as conn, conn.transaction():
                await _require_named(conn, write.user_id, write.service_id)
                if intrinsic_id is not None:
                    await _require_free_code(conn, write.service_id, intrinsic_id)
                row = await conn.fetchrow(
                    _INSERT, write.user_id, write.service_id, write.role, intrinsic_id
                )
        log.info("role granted", extra={"role_id": str(row["id"]), "role": write.role})
        return view(RoleView, row)

    async def revoke(self, role_id: str) -> Deleted:
        with translated("role.revoke"):
            deleted = await self._pool.fetchval(
                "DELETE FROM user_services WHERE id = $1 RETURNING id", role_id
            )
        log.info("role revoked", extra={"role_id": role_id})
        return Deleted(id=str(found(deleted, f"role {role_id}")))

    async def matching(
        self, *, user_id: str | None = None, service_id: str | None = None
    ) -> list[RoleView]:
        """The roles of a person, of a service, or of a person in a service.

        NotFound when the named person or service does not exist, so that a
        typo is not mistaken for "no roles".
        """
        if user_id is None and service_id is None:
            raise InvalidRequest("role.list needs a user_id or a service_id", status=422)
        with translated("role.list"):
            async with self._pool.acquire() as conn:
                rows = await conn.fetch(_LIST, user_id, service_id)
                if not rows:
                    await _require_named(conn, user_id, service_id)
        return [view(RoleView, row) for row in rows]


async def _require_free_code(conn: asyncpg.Connection, service_id: str, intrinsic_id: str) -> None:
    """Conflict when the code is already provisioned or someone holds it.

    A code shared by a family's parents is given to the second parent by proving
    it (:mod:`store.claims`), never granted twice. The advisory lock (per code,
    until the commit) keeps two grants of one code from both passing the check.
    """
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", intrinsic_id)
    taken = await conn.fetchval(
        "SELECT 1 FROM user_services WHERE service_id = $1 AND intrinsic_id = $2",
        service_id,
        intrinsic_id,
    )
    if taken:
        raise Conflict("role.grant: this code is already in use")


async def _require_named(
    conn: asyncpg.Connection, user_id: str | None, service_id: str | None
) -> None:
    if user_id is not None:
        exists = await conn.fetchval("SELECT 1 FROM users WHERE id = $1", user_id)
        found(exists, f"user {user_id}")
    if service_id is not None:
        await require_service(conn, service_id)
