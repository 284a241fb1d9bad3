"""Media rows: a received file's description, linked to its interaction.

The gateway already stored the file (``MediaRef.storage_key``); the row says
what it is (mime type, size, sha256, WAHA's file name). Keys are
content-addressed, so a file received twice shares one row. Attaching twice
(a redelivered message) changes nothing.

The interaction is looked up with a share lock on its session, the lock a
privacy erasure waits for before it deletes anything of the person: the row is
either written before the erasure (which then removes it) or not at all, when
the interaction was erased first. Never a media row nobody refers to.
"""

from __future__ import annotations

import logging

import asyncpg

from concierge_common.contracts.messages import MediaRef
from store.db import rows_affected, translated

log = logging.getLogger(__name__)

DEFAULT_MIMETYPE = "application/octet-stream"

# DO UPDATE with an unchanged value so that RETURNING gives the existing row's id too.
_UPSERT = """
INSERT INTO media (filename, file_path, mime_type, size, sha256)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (file_path) DO UPDATE SET file_path = EXCLUDED.file_path
RETURNING id
"""
_INTERACTION = """
SELECT i.id FROM interactions i JOIN sessions s ON s.id = i.session_id
WHERE i.provider_message_id = $1
FOR KEY SHARE OF s
"""
_LINK = "UPDATE interactions SET media_id = $2 WHERE id = $1 AND media_id IS DISTINCT FROM $2"


class MediaRows:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def attach(self, provider_message_id: str, media: MediaRef) -> bool:
        """Record the stored file and link it to the interaction keyed ``provider_message_id``.

        False (nothing written) when there is no such interaction (erased meanwhile).
        """
        with translated("media.attach"):
            async with self._pool.acquire() as conn, conn.transaction():
                interaction = await conn.fetchval(_INTERACTION, provider_message_id)
                if interaction is None:
                    log.info("file of an unrecorded message not recorded")
                    return False
                media_id = await conn.fetchval(
                    _UPSERT,
                    media.filename,
                    media.storage_key,
                    media.mimetype or DEFAULT_MIMETYPE,
                    media.size,
                    media.sha256,
                )
                linked = rows_affected(await conn.execute(_LINK, interaction, media_id))
        log.info("media attached", extra={"media_id": str(media_id), "linked": linked})
        return True
