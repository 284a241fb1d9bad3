"""Reading handoffs: by id, by conversation or reference, the open ones, the audit trail."""

from __future__ import annotations

import asyncpg

from concierge_common.contracts.store_api import (
    HANDOFF_OPEN_STATES,
    HandoffEventView,
    HandoffListQuery,
    HandoffQuery,
    HandoffView,
)
from concierge_common.errors import InvalidRequest
from store.db import translated, view
from store.handoffs import handoff_id
from store.lookup import found

_LIST_MAX = 1000

_BY_ID = "SELECT * FROM handoffs WHERE id = $1"
_OPEN_OF_CONVERSATION = """
SELECT * FROM handoffs
WHERE conversation_id = $1 AND state IN ('requested', 'assigned', 'active')
"""
_BY_REFERENCE = "SELECT * FROM handoffs WHERE reference = $1"
_LIST = """
SELECT * FROM handoffs WHERE state = ANY($1::text[])
ORDER BY created_at, id
LIMIT $2
"""
_EVENTS = """
SELECT at, from_state, to_state, actor, note FROM handoff_events
WHERE handoff_id = $1
ORDER BY at, id
"""


class HandoffReads:
    """Queries over ``handoffs`` and ``handoff_events``."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def get(self, raw_id: str) -> HandoffView:
        key = handoff_id(raw_id)
        with translated("handoff.get"):
            row = await self._pool.fetchrow(_BY_ID, key)
        return view(HandoffView, found(row, f"handoff {key}"))

    async def find(self, query: HandoffQuery) -> HandoffView:
        """The open handoff of a conversation, or any handoff by reference (any case).

        With both, the handoff of that reference, if it is of that conversation.
        NotFound when none matches.
        """
        if not query.conversation_id and not query.reference:
            raise InvalidRequest("handoff.find needs a conversation_id or a reference", status=422)
        with translated("handoff.find"):
            if query.reference:
                row = await self._pool.fetchrow(_BY_REFERENCE, query.reference.strip().upper())
                if row is not None and query.conversation_id:
                    row = row if row["conversation_id"] == query.conversation_id else None
            else:
                row = await self._pool.fetchrow(_OPEN_OF_CONVERSATION, query.conversation_id)
        return view(HandoffView, found(row, "handoff"))

    async def listing(self, query: HandoffListQuery) -> list[HandoffView]:
        """Handoffs in ``query.states`` (the open ones by default), oldest first."""
        if not 1 <= query.limit <= _LIST_MAX:
            raise InvalidRequest(f"limit must be between 1 and {_LIST_MAX}", status=422)
        states = list(HANDOFF_OPEN_STATES) if query.states is None else list(query.states)
        with translated("handoff.list"):
            rows = await self._pool.fetch(_LIST, states, query.limit)
        return [view(HandoffView, row) for row in rows]

    async def events(self, raw_id: str) -> list[HandoffEventView]:
        """The handoff's audit trail, oldest first; NotFound when there is no such handoff."""
        key = handoff_id(raw_id)
        with translated("handoff.events"):
            async with self._pool.acquire() as conn:
                rows = await conn.fetch(_EVENTS, key)
                if not rows:
                    found(await conn.fetchval("SELECT 1 FROM handoffs WHERE id = $1", key), key)
        return [view(HandoffEventView, row) for row in rows]
