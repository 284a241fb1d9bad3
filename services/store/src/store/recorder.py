"""Handler of the ``inbound`` and ``sent`` flows for the store."""

from __future__ import annotations

import logging

from concierge_common.bus.consumer import Delivery
from concierge_common.errors import InvalidMessage
from concierge_common.messages import BusMessage, MessageReceived, ReplySent
from store.repository import MessageLog

log = logging.getLogger(__name__)


class Recorder:
    """Persists every inbound message and every sent reply, once."""

    def __init__(self, messages: MessageLog) -> None:
        self._messages = messages

    async def __call__(self, message: BusMessage, delivery: Delivery) -> None:
        if isinstance(message, MessageReceived):
            stored = await self._messages.record_inbound(message)
        elif isinstance(message, ReplySent):
            stored = await self._messages.record_outbound(message)
        else:
            raise InvalidMessage(f"store cannot record {type(message).__name__}")
        log.info("message recorded", extra={"new": stored, "kind": message.__struct_config__.tag})
