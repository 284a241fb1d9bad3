"""The organisation's facts (Mass times, office hours...), each valid in a time window.

A fact is valid in ``[valid_from, valid_to)``; a missing bound is unbounded.
Writing the Christmas Mass times in November with their window, rather than
editing the usual ones on the day, is what lets the assistant answer from
what is true *now* (``valid_at``) without anyone being up at midnight.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import asyncpg

from concierge_common.contracts.store_api import Deleted, InfoUpdate, InfoView, InfoWrite
from concierge_common.errors import InvalidRequest
from store.catalog import require_service
from store.db import translated, view
from store.lookup import found

log = logging.getLogger(__name__)

_COLUMNS = "id, service_id, title, content, valid_from, valid_to, created_at, updated_at"
_LIST = f"""
SELECT {_COLUMNS} FROM service_infos
WHERE service_id = $1
  AND ($2::timestamptz IS NULL
       OR ((valid_from IS NULL OR valid_from <= $2) AND (valid_to IS NULL OR $2 < valid_to)))
ORDER BY title, valid_from NULLS FIRST
"""  # noqa: S608 - constant column list
_INSERT = f"""
INSERT INTO service_infos (service_id, title, content, valid_from, valid_to)
VALUES ($1, $2, $3, $4, $5)
RETURNING {_COLUMNS}
"""  # noqa: S608 - constant column list
# NULL keeps a column as it is; $6 and $7 clear the bounds.
_UPDATE = f"""
UPDATE service_infos SET
    title = coalesce($2, title),
    content = coalesce($3, content),
    valid_from = CASE WHEN $6::boolean THEN NULL ELSE coalesce($4, valid_from) END,
    valid_to = CASE WHEN $7::boolean THEN NULL ELSE coalesce($5, valid_to) END,
    updated_at = now()
WHERE id = $1
RETURNING {_COLUMNS}
"""  # noqa: S608 - constant column list


class Infos:
    """CRUD over ``service_infos`` and the "valid at" query."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def for_service(
        self, service_id: str, *, valid_at: datetime | None = None
    ) -> list[InfoView]:
        """A service's facts by title; with ``valid_at``, only those valid at that instant."""
        with translated("info.list"):
            async with self._pool.acquire() as conn:
                rows = await conn.fetch(_LIST, service_id, as_utc(valid_at))
                if not rows:
                    await require_service(conn, service_id)
        return [view(InfoView, row) for row in rows]

    async def get(self, info_id: str) -> InfoView:
        with translated("info.get"):
            row = await self._pool.fetchrow(
                f"SELECT {_COLUMNS} FROM service_infos WHERE id = $1",  # noqa: S608
                info_id,
            )
        return view(InfoView, found(row, f"info {info_id}"))

    async def create(self, write: InfoWrite) -> InfoView:
        """A new fact; 422 when its window is empty, NotFound for an unknown service."""
        valid_from, valid_to = as_utc(write.valid_from), as_utc(write.valid_to)
        _check_window(valid_from, valid_to)
        with translated("info.create"):
            async with self._pool.acquire() as conn:
                await require_service(conn, write.service_id)
                row = await conn.fetchrow(
                    _INSERT,
                    write.service_id,
                    write.title,
                    write.content,
                    valid_from,
                    valid_to,
                )
        return view(InfoView, row)

    async def update(self, update: InfoUpdate) -> InfoView:
        """Change the given fields; 422 when the resulting window would be empty."""
        if (update.clear_valid_from and update.valid_from is not None) or (
            update.clear_valid_to and update.valid_to is not None
        ):
            raise InvalidRequest("info.update: a bound is both given and cleared", status=422)
        valid_from, valid_to = as_utc(update.valid_from), as_utc(update.valid_to)
        _check_window(valid_from, valid_to)
        with translated("info.update"):
            row = await self._pool.fetchrow(
                _UPDATE,
                update.id,
                update.title,
                update.content,
                valid_from,
                valid_to,
                update.clear_valid_from,
                update.clear_valid_to,
            )
        return view(InfoView, found(row, f"info {update.id}"))

    async def delete(self, info_id: str) -> Deleted:
        with translated("info.delete"):
            deleted = await self._pool.fetchval(
                "DELETE FROM service_infos WHERE id = $1 RETURNING id", info_id
            )
        return Deleted(id=str(found(deleted, f"info {info_id}")))


def _check_window(valid_from: datetime | None, valid_to: datetime | None) -> None:
    """Refuse ``[valid_from, valid_to)`` when it contains no instant.

    Only the bounds given are compared here; an update moving one bound past the
    stored other one is refused by the table's CHECK, translated to 422 too.
    """
    if valid_from is not None and valid_to is not None and valid_from >= valid_to:
        raise InvalidRequest("the validity window is empty: valid_from >= valid_to", status=422)


def as_utc(moment: datetime | None) -> datetime | None:
    """A time without a zone is taken as UTC, the contract's convention."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
