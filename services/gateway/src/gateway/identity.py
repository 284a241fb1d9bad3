"""One person behind ``...@c.us`` and ``...@lid`` (issue 6: H4 completes this)."""

from __future__ import annotations

from gateway.ingest import Incoming


class LidResolver:
    """Enricher: resolves a linked id to the person's phone id."""

    async def enrich(self, message: Incoming) -> Incoming:
        return message
