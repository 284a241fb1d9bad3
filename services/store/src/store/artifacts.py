"""Artifacts: files the concierge produced and sent (an ``.ics``...), per session.

When a reply went out with a file (``ReplySent.attachment``), the recorder has
just stored the reply as an interaction. Here, in one transaction:

- the file gets its media row (``file_path`` is the storage key; a file already
  known, same key, keeps its row) and the reply's interaction points to it;
- when the attachment is an artifact (``artifact_type`` set), an ``artifacts``
  row of the reply's session: its type, the producing service, the
  attachment's ``content`` and the media row. Once: a redelivered reply finds
  the artifact of that session and file already there.

A reply whose interaction is not stored (a chat no person owns, a person
erased meanwhile) records nothing. The interaction is read with a share lock on
its session, which a privacy erasure waits for: the rows are written before the
erasure (and removed by it) or not at all.
"""

from __future__ import annotations

import logging
import re
import uuid

import asyncpg

from concierge_common.contracts.messages import Attachment, ReplySent
from store.db import translated

log = logging.getLogger(__name__)

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_INTERACTION = """
SELECT i.id, i.session_id FROM interactions i JOIN sessions s ON s.id = i.session_id
WHERE i.provider_message_id = $1
FOR KEY SHARE OF s
"""
# DO UPDATE with an unchanged value so that RETURNING gives the existing row's id too.
_MEDIA = """
INSERT INTO media (filename, file_path, mime_type, size, sha256)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (file_path) DO UPDATE SET file_path = EXCLUDED.file_path
RETURNING id
"""
_LINK = "UPDATE interactions SET media_id = $2 WHERE id = $1 AND media_id IS DISTINCT FROM $2"
_INSERT = """
INSERT INTO artifacts (session_id, service_id, type, content, file_url, media_id)
SELECT $1, (SELECT id FROM services WHERE name = $2), $3, $4::jsonb, $5, $6
WHERE NOT EXISTS (
    SELECT 1 FROM artifacts
    WHERE session_id = $1 AND type = $3 AND file_url = $5
)
"""


class Artifacts:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def record(self, event: ReplySent, provider_message_id: str) -> bool:
        """Record the sent attachment as a media row and an artifact of the reply's session.

        False (nothing written) when the reply's interaction is not stored.
        """
        attachment = event.attachment
        if attachment is None:
            return True
        with translated("artifact.record"):
            async with self._pool.acquire() as conn, conn.transaction():
                reply = await conn.fetchrow(_INTERACTION, provider_message_id)
                if reply is None:
                    log.info("file of an unrecorded reply not recorded")
                    return False
                media_id = await _media(conn, attachment)
                if media_id is not None:
                    await conn.execute(_LINK, reply["id"], media_id)
                created = await _artifact(conn, reply["session_id"], attachment, media_id)
        log.info(
            "sent file recorded",
            extra={"artifact_type": attachment.artifact_type, "new_artifact": created},
        )
        return True


async def _media(conn: asyncpg.Connection, attachment: Attachment) -> uuid.UUID | None:
    """The media row of the file (created, or the one already kept under its key)."""
    if not _SHA256.match(attachment.sha256) or attachment.size < 0:
        log.warning("sent file without a valid sha256: no media row")
        return None
    media_id: uuid.UUID = await conn.fetchval(
        _MEDIA,
        attachment.filename,
        attachment.storage_key,
        attachment.mimetype,
        attachment.size,
        attachment.sha256,
    )
    return media_id


async def _artifact(
    conn: asyncpg.Connection,
    session_id: uuid.UUID,
    attachment: Attachment,
    media_id: uuid.UUID | None,
) -> bool:
    if not attachment.artifact_type:
        return False
    status = await conn.execute(
        _INSERT,
        session_id,
        attachment.service,
        attachment.artifact_type,
        attachment.content,  # the pool's jsonb codec encodes it
        attachment.storage_key,
        media_id,
    )
    return bool(status.endswith(" 1"))
