"""What WAHA told the concierge, onto the bus: the one path of the webhook and of recovery.

A person's message is enriched first, in order, by the configured
:class:`Enricher` s (the identity resolver links an ``@lid`` to its phone id;
the media fetcher downloads and stores a received file), then published on the
conversation's ``inbound`` flow with its derived id, so a message seen twice
(a retried webhook, a message fetched again from WAHA's history) is stored once
by JetStream and answered once. Receipts (acks, reactions) go to the ``sent``
flow, where the store applies them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import nats.errors
from nats.js.api import PubAck

from concierge_common.bus.publisher import Publisher
from concierge_common.contracts.messages import (
    BusMessage,
    MessageReceived,
    OperatorMessageSeen,
    ReceiptSeen,
)
from concierge_common.errors import BusUnavailable, InvalidRequest

Incoming = MessageReceived | OperatorMessageSeen


class Enricher(Protocol):
    """Adds what only the gateway can know to a message before it is published.

    Returns the message itself (same type) or a copy with fields set.
    """

    async def enrich(self, message: Incoming) -> Incoming: ...


class TooLargeForBus(InvalidRequest):
    """NATS refused the message as larger than its ``max_payload`` (413): retrying cannot help."""

    def __init__(self) -> None:
        super().__init__("message larger than the bus carries", status=413)


class Ingest:
    """Enriches and publishes; raises ``BusUnavailable`` when JetStream cannot take it, and
    :class:`TooLargeForBus` when it never will."""

    def __init__(self, publisher: Publisher, enrichers: Sequence[Enricher] = ()) -> None:
        self._publisher = publisher
        self._enrichers = tuple(enrichers)

    async def message(self, message: MessageReceived | OperatorMessageSeen) -> PubAck:
        for enricher in self._enrichers:
            message = await enricher.enrich(message)
        return await self._publish("inbound", message)

    async def receipt(self, receipt: ReceiptSeen) -> PubAck:
        return await self._publish("sent", receipt)

    async def _publish(self, flow: str, message: BusMessage) -> PubAck:
        try:
            return await self._publisher.publish(flow, message)
        except BusUnavailable as exc:
            if isinstance(exc.__cause__, nats.errors.MaxPayloadError):
                raise TooLargeForBus() from exc
            raise
