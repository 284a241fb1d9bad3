"""Artifacts: files the concierge produced and sent (an .ics...), per session (issue 6: H5)."""

from __future__ import annotations

import asyncpg

from concierge_common.messages import ReplySent


class Artifacts:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def record(self, event: ReplySent, provider_message_id: str) -> None:
        """Record the sent attachment as a media row and an artifact of the reply's session."""
