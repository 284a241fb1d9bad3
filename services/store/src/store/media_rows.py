"""Media rows: a received file's description, linked to its interaction (issue 6: H1)."""

from __future__ import annotations

import asyncpg

from concierge_common.messages import MediaRef


class MediaRows:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def attach(self, provider_message_id: str, media: MediaRef) -> None:
        """Record the stored file and link it to the interaction keyed ``provider_message_id``."""
