"""What became of the replies: accepted by WAHA, or refused for good (issue 6: H2)."""

from __future__ import annotations

import asyncpg

from concierge_common.messages import ReplyFailed, ReplySent
from store.interactions import Interactions


class Deliveries:
    def __init__(self, pool: asyncpg.Pool, interactions: Interactions) -> None:
        self._pool = pool
        self._interactions = interactions

    async def sent(self, event: ReplySent, provider_message_id: str) -> None:
        """Mark the recorded reply ``sent`` (receipts may move it further)."""

    async def failed(self, event: ReplyFailed) -> None:
        """Record a reply WAHA refused, with its reason."""
