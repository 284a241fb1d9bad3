"""Deleting a stored file on the store's own initiative (an erasure, a retention purge).

One bad file must not stop the others: a key the media storage refuses, or a
deletion that fails, is logged (without the key, which may name a person) and
counted as nothing deleted; a file already gone too.
"""

from __future__ import annotations

import logging

from concierge_common.errors import ConciergeError, InvalidRequest
from concierge_common.storage.media_storage import MediaStorage

log = logging.getLogger(__name__)


async def delete_file(storage: MediaStorage, key: str) -> bool:
    """Whether ``key``'s file was there and is now deleted."""
    try:
        return bool(await storage.delete(key))
    except InvalidRequest:
        log.error("media key outside the media storage refused")
    except (ConciergeError, OSError) as exc:
        log.error("media file not deleted: %s", type(exc).__name__)
    return False
