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

from nats.js.api import PubAck

from concierge_common.bus.publisher import Publisher
from concierge_common.contracts.messages import MessageReceived, OperatorMessageSeen, ReceiptSeen

Incoming = MessageReceived | OperatorMessageSeen


class Enricher(Protocol):
    """Adds what only the gateway can know to a message before it is published.

    Returns the message itself (same type) or a copy with fields set.
    """

    async def enrich(self, message: Incoming) -> Incoming: ...


class Ingest:
    """Enriches and publishes; raises ``BusUnavailable`` when JetStream cannot take it."""

    def __init__(self, publisher: Publisher, enrichers: Sequence[Enricher] = ()) -> None:
        self._publisher = publisher
        self._enrichers = tuple(enrichers)

    async def message(self, message: MessageReceived | OperatorMessageSeen) -> PubAck:
        for enricher in self._enrichers:
            message = await enricher.enrich(message)
        return await self._publisher.publish("inbound", message)

    async def receipt(self, receipt: ReceiptSeen) -> PubAck:
        return await self._publisher.publish("sent", receipt)
