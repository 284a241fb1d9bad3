"""The services the concierge offers (RENSEIGNEMENT, CATECHESE, CONTACT_HUMAIN...).

A service's name is its stable handle (the router and the seed refer to it), so
it is kept in upper case and unique: a second ``renseignement`` is a Conflict,
not a new service.
"""

from __future__ import annotations

import logging

import asyncpg

from concierge_common.contracts.store_api import Deleted, ServiceUpdate, ServiceView, ServiceWrite
from concierge_common.errors import InvalidRequest
from store.db import translated, view
from store.lookup import found

log = logging.getLogger(__name__)

_COLUMNS = (
    "id, name, description, trigger_keywords, processing_type, required_role, is_active,"
    " display_order, created_at, updated_at"
)
_INSERT = f"""
INSERT INTO services (name, description, trigger_keywords, processing_type, required_role,
                      is_active, display_order)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING {_COLUMNS}
"""  # noqa: S608 - constant column list
# NULL keeps a column as it is; $7 clears required_role.
_UPDATE = f"""
UPDATE services SET
    name = coalesce($2, name),
    description = coalesce($3, description),
    trigger_keywords = coalesce($4, trigger_keywords),
    processing_type = coalesce($5, processing_type),
    required_role = CASE WHEN $7::boolean THEN NULL ELSE coalesce($6, required_role) END,
    is_active = coalesce($8, is_active),
    display_order = coalesce($9, display_order),
    updated_at = now()
WHERE id = $1
RETURNING {_COLUMNS}
"""  # noqa: S608 - constant column list


class Catalog:
    """CRUD over ``services``."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def all(self, *, include_inactive: bool = False) -> list[ServiceView]:
        """Services in display order (then by name); inactive ones only when asked."""
        with translated("service.list"):
            rows = await self._pool.fetch(
                f"SELECT {_COLUMNS} FROM services WHERE is_active OR $1"  # noqa: S608
                " ORDER BY display_order, name",
                include_inactive,
            )
        return [view(ServiceView, row) for row in rows]

    async def get(self, service_id: str) -> ServiceView:
        with translated("service.get"):
            row = await self._pool.fetchrow(
                f"SELECT {_COLUMNS} FROM services WHERE id = $1",  # noqa: S608
                service_id,
            )
        return view(ServiceView, found(row, f"service {service_id}"))

    async def get_by_name(self, name: str) -> ServiceView:
        with translated("service.get"):
            row = await self._pool.fetchrow(
                f"SELECT {_COLUMNS} FROM services WHERE name = $1",  # noqa: S608
                normalise_name(name),
            )
        return view(ServiceView, found(row, f"service {name!r}"))

    async def create(self, write: ServiceWrite) -> ServiceView:
        """A new service; Conflict when the name is taken."""
        with translated("service.create"):
            row = await self._pool.fetchrow(
                _INSERT,
                normalise_name(write.name),
                write.description,
                clean_keywords(write.trigger_keywords),
                write.processing_type,
                write.required_role,
                write.is_active,
                write.display_order,
            )
        log.info("service created", extra={"service_id": str(row["id"])})
        return view(ServiceView, row)

    async def update(self, update: ServiceUpdate) -> ServiceView:
        """Change the given fields only; Conflict when renamed onto a taken name."""
        if update.clear_required_role and update.required_role is not None:
            raise InvalidRequest("required_role and clear_required_role together", status=422)
        keywords = update.trigger_keywords
        with translated("service.update"):
            row = await self._pool.fetchrow(
                _UPDATE,
                update.id,
                None if update.name is None else normalise_name(update.name),
                update.description,
                None if keywords is None else clean_keywords(keywords),
                update.processing_type,
                update.required_role,
                update.clear_required_role,
                update.is_active,
                update.display_order,
            )
        return view(ServiceView, found(row, f"service {update.id}"))

    async def delete(self, service_id: str) -> Deleted:
        """Remove a service with its contexts, infos and roles; its sessions keep no service."""
        with translated("service.delete"):
            deleted = await self._pool.fetchval(
                "DELETE FROM services WHERE id = $1 RETURNING id", service_id
            )
        found(deleted, f"service {service_id}")
        log.info("service deleted", extra={"service_id": service_id})
        return Deleted(id=str(deleted))


async def require_service(conn: asyncpg.Connection | asyncpg.Pool, service_id: str) -> None:
    """NotFound unless the service exists (for lists that would otherwise be just empty)."""
    found(
        await conn.fetchval("SELECT 1 FROM services WHERE id = $1", service_id),
        f"service {service_id}",
    )


def normalise_name(name: str) -> str:
    """Names are handles in upper case: `` catechese `` -> ``CATECHESE``."""
    return name.strip().upper()


def clean_keywords(keywords: list[str]) -> list[str]:
    """Keywords without surrounding spaces, empties or repeats, in their given order."""
    cleaned = (keyword.strip() for keyword in keywords)
    return list(dict.fromkeys(keyword for keyword in cleaned if keyword))
