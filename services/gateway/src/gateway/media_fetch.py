"""Received files, downloaded from WAHA at once and kept (issue 6: H1 completes this)."""

from __future__ import annotations

from concierge_common.media_storage import MediaStorage
from gateway.ingest import Incoming
from gateway.waha_client import WahaClient


class MediaFetcher:
    """Enricher: downloads a message's file and stores it in the media storage."""

    def __init__(
        self,
        waha: WahaClient,
        storage: MediaStorage,
        *,
        max_bytes: int,
        types: tuple[str, ...],
    ) -> None:
        self._waha = waha
        self._storage = storage
        self._max_bytes = max_bytes
        self._types = types

    async def enrich(self, message: Incoming) -> Incoming:
        return message
