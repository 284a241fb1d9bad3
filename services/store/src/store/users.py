"""People and their WhatsApp aliases.

A person writes from a phone id (``...@c.us``) or an opaque ``...@lid``; both
are aliases of one ``users`` row. The primary key of ``user_whatsapp_ids``
makes an alias belong to one person only, and is what makes :meth:`Users.resolve`
safe when two replicas see the first message of a new person at the same time.
"""

from __future__ import annotations

import logging

import asyncpg

from concierge_common.errors import Conflict, NotFound
from concierge_common.store_api import UserView
from store.db import translated, view

log = logging.getLogger(__name__)

_NAME_MAX = 200  # users.name CHECK

_SELECT_USER = """
SELECT u.id, u.name, u.is_active, u.created_at, u.updated_at,
       coalesce(array_agg(w.whatsapp_id ORDER BY w.created_at, w.whatsapp_id)
                FILTER (WHERE w.whatsapp_id IS NOT NULL), '{}') AS whatsapp_ids
FROM users u LEFT JOIN user_whatsapp_ids w ON w.user_id = u.id
WHERE u.id = $1
GROUP BY u.id
"""
_OWNER = "SELECT user_id FROM user_whatsapp_ids WHERE whatsapp_id = $1"
_CLAIM_ALIAS = """
INSERT INTO user_whatsapp_ids (whatsapp_id, user_id) VALUES ($1, $2)
ON CONFLICT (whatsapp_id) DO NOTHING
RETURNING user_id
"""


class Users:
    """Reads people, finds or creates them by WhatsApp id, links a second alias."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def get(self, user_id: str) -> UserView:
        """The person with all their aliases; NotFound when there is none."""
        with translated("user.get"):
            row = await self._pool.fetchrow(_SELECT_USER, user_id)
        if row is None:
            raise NotFound(f"user {user_id} not found")
        return view(UserView, row)

    async def resolve(
        self, conn_or_pool: asyncpg.Connection | asyncpg.Pool, whatsapp_id: str, push_name: str = ""
    ) -> str:
        """The id of the person owning ``whatsapp_id``, created with the alias if new.

        Pass a connection to run inside the caller's transaction (a savepoint
        then); a pool runs it in a transaction of its own.
        """
        if isinstance(conn_or_pool, asyncpg.Pool):
            async with conn_or_pool.acquire() as conn:
                return await self.resolve(conn, whatsapp_id, push_name)
        name = push_name.strip()[:_NAME_MAX]
        with translated("user.resolve"):
            async with conn_or_pool.transaction():
                return await _find_or_create(conn_or_pool, whatsapp_id, name)

    async def link_alias(self, user_id: str, whatsapp_id: str) -> UserView:
        """Attach another WhatsApp id to a person; Conflict when it is someone else's.

        Linking an alias the person already has changes nothing.
        """
        with translated("user.link_alias"):
            async with self._pool.acquire() as conn, conn.transaction():
                uid = await conn.fetchval("SELECT id FROM users WHERE id = $1", user_id)
                if uid is None:
                    raise NotFound(f"user {user_id} not found")
                if await conn.fetchval(_CLAIM_ALIAS, whatsapp_id, uid) is not None:
                    await conn.execute("UPDATE users SET updated_at = now() WHERE id = $1", uid)
                elif await conn.fetchval(_OWNER, whatsapp_id) != uid:
                    raise Conflict("this WhatsApp id belongs to another user")
                row = await conn.fetchrow(_SELECT_USER, uid)
        return view(UserView, row)


async def _find_or_create(conn: asyncpg.Connection, whatsapp_id: str, name: str) -> str:
    """Find the alias's owner, else insert a person and claim the alias for them.

    ``ON CONFLICT DO NOTHING`` waits for a concurrent claim of the same alias
    to commit; when that one won, the person inserted here is removed again and
    the winner's id returned, so a new WhatsApp id ends with exactly one user.
    """
    owner = await conn.fetchrow(
        "SELECT w.user_id, u.name FROM user_whatsapp_ids w JOIN users u ON u.id = w.user_id"
        " WHERE w.whatsapp_id = $1",
        whatsapp_id,
    )
    if owner is not None:
        if name and not owner["name"]:
            await conn.execute(
                "UPDATE users SET name = $2, updated_at = now() WHERE id = $1 AND name = ''",
                owner["user_id"],
                name,
            )
        return str(owner["user_id"])
    new_id = await conn.fetchval("INSERT INTO users (name) VALUES ($1) RETURNING id", name)
    claimed = await conn.fetchval(_CLAIM_ALIAS, whatsapp_id, new_id)
    if claimed is not None:
        log.info("user created", extra={"user_id": str(new_id)})
        return str(claimed)
    await conn.execute("DELETE FROM users WHERE id = $1", new_id)
    return str(await conn.fetchval(_OWNER, whatsapp_id))
