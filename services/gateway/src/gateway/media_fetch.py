"""Received files, downloaded from WAHA at once and kept (issue 6: H1 completes this)."""

from __future__ import annotations

from gateway.ingest import Incoming


class MediaFetcher:
    """Enricher: downloads a message's file and stores it in the media storage."""

    async def enrich(self, message: Incoming) -> Incoming:
        return message
