"""One person behind ``...@c.us`` and ``...@lid`` (issue 6: H4 completes this)."""

from __future__ import annotations

from nats.js.kv import KeyValue

from gateway.ingest import Incoming
from gateway.waha_client import WahaClient


class LidResolver:
    """Enricher: resolves a linked id to the person's phone id."""

    def __init__(self, waha: WahaClient, lids: KeyValue, *, conversation_key: str) -> None:
        self._waha = waha
        self._lids = lids
        self._conversation_key = conversation_key

    async def enrich(self, message: Incoming) -> Incoming:
        return message
