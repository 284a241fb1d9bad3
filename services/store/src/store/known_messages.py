"""``interaction.known``: which WAHA messages of a session the store already recorded.

History recovery (the gateway, after a WAHA outage) reads people's recent
messages back from WAHA and publishes only those the store does not know, so
nothing is answered twice. A person's message is stored under
``{session}:{WAHA id}`` (:func:`store.interactions.inbound`).
"""

from __future__ import annotations

import asyncpg

from concierge_common.bus.rpc import Operation
from concierge_common.contracts.store_api import INTERACTION_KNOWN, KnownMessagesQuery
from concierge_common.errors import InvalidRequest
from store.db import translated

MAX_IDS = 1000

_KNOWN = "SELECT provider_message_id FROM interactions WHERE provider_message_id = ANY($1::text[])"


class KnownMessages:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def known(self, query: KnownMessagesQuery) -> list[str]:
        """The subset of ``query.provider_message_ids`` already stored, in the order asked."""
        if len(query.provider_message_ids) > MAX_IDS:
            raise InvalidRequest(f"interaction.known: at most {MAX_IDS} ids", status=422)
        prefix = f"{query.wa_session}:"
        keys = [prefix + value for value in query.provider_message_ids]
        with translated("interaction.known"):
            rows = await self._pool.fetch(_KNOWN, keys)
        stored = {row["provider_message_id"] for row in rows}
        return [value for value in query.provider_message_ids if prefix + value in stored]


def known_operations(pool: asyncpg.Pool) -> list[Operation]:
    """interaction.known, answered by :class:`KnownMessages`."""
    return [Operation(INTERACTION_KNOWN, KnownMessagesQuery, KnownMessages(pool).known)]
