"""A service's prompts, versioned: each change is a new version, the highest is current.

Keeping every version (instead of editing one row) lets an administrator see
what the assistant was told when a past conversation happened, and go back.
"""

from __future__ import annotations

import logging

import asyncpg

from concierge_common.contracts.store_api import ContextView, ContextWrite, Deleted
from concierge_common.errors import InvalidRequest
from store.catalog import require_service
from store.db import translated, view
from store.lookup import found

log = logging.getLogger(__name__)

_COLUMNS = "id, service_id, system_prompt, prompts, version, created_at"
# Locking the service row serialises the creators of its versions, so that two of them
# cannot both read the same max(version). NO KEY UPDATE leaves foreign keys to the
# service (sessions, infos) unblocked.
_LOCK_SERVICE = "SELECT 1 FROM services WHERE id = $1 FOR NO KEY UPDATE"
_INSERT_NEXT = f"""
INSERT INTO service_contexts (service_id, system_prompt, prompts, version)
SELECT $1, $2, $3, coalesce(max(version), 0) + 1 FROM service_contexts WHERE service_id = $1
RETURNING {_COLUMNS}
"""  # noqa: S608 - constant column list


class Contexts:
    """Versions of ``service_contexts``."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def for_service(self, service_id: str) -> list[ContextView]:
        """Every version of a service's prompts, newest first; NotFound for no service."""
        with translated("context.list"):
            async with self._pool.acquire() as conn:
                rows = await conn.fetch(
                    f"SELECT {_COLUMNS} FROM service_contexts"  # noqa: S608
                    " WHERE service_id = $1 ORDER BY version DESC",
                    service_id,
                )
                if not rows:
                    await require_service(conn, service_id)
        return [view(ContextView, row) for row in rows]

    async def current(self, service_id: str) -> ContextView | None:
        """The highest version of a service's prompts, None when it has none."""
        with translated("context.current"):
            row = await self._pool.fetchrow(
                f"SELECT {_COLUMNS} FROM service_contexts"  # noqa: S608
                " WHERE service_id = $1 ORDER BY version DESC LIMIT 1",
                service_id,
            )
        return None if row is None else view(ContextView, row)

    async def get(self, context_id: str) -> ContextView:
        with translated("context.get"):
            row = await self._pool.fetchrow(
                f"SELECT {_COLUMNS} FROM service_contexts WHERE id = $1",  # noqa: S608
                context_id,
            )
        return view(ContextView, found(row, f"context {context_id}"))

    async def create(self, write: ContextWrite) -> ContextView:
        """The service's next version; concurrent creations get distinct versions."""
        if not write.system_prompt.strip():
            raise InvalidRequest("context.create: the system prompt is empty", status=422)
        with translated("context.create"):
            async with self._pool.acquire() as conn, conn.transaction():
                created = await insert_next_version(
                    conn, write.service_id, write.system_prompt, write.prompts
                )
        log.info(
            "context created",
            extra={"service_id": write.service_id, "version": created.version},
        )
        return created

    async def delete(self, context_id: str) -> Deleted:
        """Remove one version; the highest remaining one becomes current."""
        with translated("context.delete"):
            deleted = await self._pool.fetchval(
                "DELETE FROM service_contexts WHERE id = $1 RETURNING id", context_id
            )
        return Deleted(id=str(found(deleted, f"context {context_id}")))


async def insert_next_version(
    conn: asyncpg.Connection, service_id: str, system_prompt: str, prompts: dict[str, str]
) -> ContextView:
    """Insert the service's next version; run it inside the caller's transaction."""
    found(await conn.fetchval(_LOCK_SERVICE, service_id), f"service {service_id}")
    return view(ContextView, await conn.fetchrow(_INSERT_NEXT, service_id, system_prompt, prompts))
