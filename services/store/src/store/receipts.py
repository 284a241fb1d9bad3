"""Receipts and reactions applied to the interactions they concern (issue 6: H3)."""

from __future__ import annotations

import asyncpg

from concierge_common.messages import ReceiptSeen


class Receipts:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def apply(self, receipt: ReceiptSeen) -> None:
        """Move the message's delivery status forward, or set the person's reaction."""
