"""Handler of the ``inbound`` and ``sent`` flows: every message becomes an interaction.

``inbound`` carries what people wrote and what an operator wrote to them from
the organisation's phone (an outbound interaction of origin ``operator``).

Errors are concierge errors (:func:`store.db.translated`): the bus retries a
Postgres outage and dead-letters what can never be stored.
"""

from __future__ import annotations

import logging

from concierge_common.bus.consumer import Delivery
from concierge_common.errors import InvalidMessage
from concierge_common.messages import BusMessage, MessageReceived, OperatorMessageSeen, ReplySent
from store import interactions
from store.interactions import Interactions

log = logging.getLogger(__name__)


class Recorder:
    """Stores every inbound message, every sent reply and every operator message, once."""

    def __init__(self, store: Interactions) -> None:
        self._store = store

    async def __call__(self, message: BusMessage, delivery: Delivery) -> None:
        if isinstance(message, MessageReceived):
            item = interactions.inbound(message)
        elif isinstance(message, ReplySent):
            item = interactions.outbound(message)
        elif isinstance(message, OperatorMessageSeen):
            item = interactions.operator(message)
        else:
            raise InvalidMessage(f"store cannot record {type(message).__name__}")
        if not interactions.is_person(item.whatsapp_id):
            # A staff alert to a group, say: no person owns that chat, so no session.
            log.info("message to or from a non-person chat not recorded")
            return
        stored = await self._store.record(item)
        log.info(
            "interaction recorded",
            extra={"new": stored, "direction": item.direction, "attempt": delivery.attempt},
        )
