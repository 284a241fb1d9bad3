"""Files kept for a message the store will never record: removed from the media storage.

The gateway keeps a received file (and ai a produced ``.ics``) in the media
storage before the message naming it reaches the store. When the store drops
that message because its person was erased after it was written
(:mod:`store.tombstones`), or finds the message's interaction already erased
when it comes to link the file, nothing will ever refer to the file: it would
outlive the erasure. It is deleted, unless a media row refers to it (keys are
content-addressed, so another message may share it).

A storage failure is left to the bus's retries (the message is dropped again
and the deletion tried again); a key that would leave the local storage's root
is refused and logged, without the key.
"""

from __future__ import annotations

import logging

import asyncpg

from concierge_common.errors import InvalidRequest
from concierge_common.storage.media_storage import MediaStorage
from store.db import translated

log = logging.getLogger(__name__)

_REFERRED = "SELECT 1 FROM media WHERE file_path = $1 LIMIT 1"


class UnclaimedFiles:
    def __init__(self, pool: asyncpg.Pool, storage: MediaStorage) -> None:
        self._pool = pool
        self._storage = storage

    async def discard(self, key: str) -> bool:
        """Delete the file under ``key`` if no media row refers to it; True when deleted."""
        if not key:
            return False
        with translated("media.discard"):
            if await self._pool.fetchval(_REFERRED, key):
                return False
        try:
            deleted = await self._storage.delete(key)
        except InvalidRequest:
            log.error("media key outside the media storage refused")
            return False
        if deleted:
            log.info("file of an unrecorded message deleted")
        return deleted
