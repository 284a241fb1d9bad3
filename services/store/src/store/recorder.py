"""Handler of the ``inbound`` and ``sent`` flows: every message becomes an interaction.

``inbound`` carries what people wrote (with the file they sent, already kept
by the gateway: a media row) and what an operator wrote to them from the
organisation's phone (an outbound interaction of origin ``operator``).
``sent`` carries the replies WAHA accepted (with their artifact when a file
was sent), the replies it refused for good, and WhatsApp's receipts and
reactions, which update the interactions they concern.

Errors are concierge errors (:func:`store.db.translated`): the bus retries a
Postgres outage (``DatabaseUnavailable``) for as long as it lasts and
dead-letters what can never be stored. A message written
before its person was erased (:mod:`store.tombstones`) is neither: it is
acknowledged without a trace but a count and an INFO line without ids, and the
file it names, if any, is deleted from the media storage
(:mod:`store.unclaimed_files`), as is the file of a message whose interaction
was erased before its file could be linked to it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import asyncpg

from concierge_common.bus.consumer import Delivery
from concierge_common.contracts.messages import (
    BusMessage,
    MessageReceived,
    OperatorMessageSeen,
    ReceiptSeen,
    ReplyFailed,
    ReplySent,
)
from concierge_common.errors import Erased, InvalidMessage
from concierge_common.metrics import child
from concierge_common.storage.media_storage import MediaStorage
from store import interactions
from store.artifacts import Artifacts
from store.deliveries import Deliveries
from store.interactions import Interaction, Interactions
from store.media_rows import MediaRows
from store.metrics import ERASED_DROPPED
from store.receipts import Receipts
from store.unclaimed_files import UnclaimedFiles

log = logging.getLogger(__name__)

# What the two flows carry.
INBOUND_TYPES = (MessageReceived, OperatorMessageSeen)
SENT_TYPES = (ReplySent, ReplyFailed, ReceiptSeen)
# The metric's label of a message dropped because its person was erased.
_ERASED_KINDS: dict[type[BusMessage], str] = {
    MessageReceived: "inbound",
    OperatorMessageSeen: "operator",
    ReplySent: "reply",
    ReplyFailed: "refused_reply",
}


@dataclass(frozen=True)
class Ledgers:
    """Where the store writes what accompanies an interaction."""

    media: MediaRows
    deliveries: Deliveries
    receipts: Receipts
    artifacts: Artifacts
    files: UnclaimedFiles

    @classmethod
    def of(cls, pool: asyncpg.Pool, store: Interactions, storage: MediaStorage) -> Ledgers:
        receipts = Receipts(pool)
        return cls(
            media=MediaRows(pool),
            deliveries=Deliveries(pool, store, receipts),
            receipts=receipts,
            artifacts=Artifacts(pool),
            files=UnclaimedFiles(pool, storage),
        )


class Recorder:
    """Stores every inbound message, every sent reply and every operator message, once."""

    def __init__(self, store: Interactions, ledgers: Ledgers) -> None:
        self._store = store
        self._ledgers = ledgers

    async def __call__(self, message: BusMessage, delivery: Delivery) -> None:
        try:
            await self._record(message, delivery)
        except Erased:
            await self._drop(message, delivery)

    async def _drop(self, message: BusMessage, delivery: Delivery) -> None:
        """A message written before its person was erased: counted, its file deleted."""
        kind = _ERASED_KINDS.get(type(message), "other")
        child(ERASED_DROPPED, kind).inc()
        await self._ledgers.files.discard(_file_key(message))
        log.info(
            "message of an erased person dropped",
            extra={"kind": kind, "attempt": delivery.attempt},
        )

    async def _record(self, message: BusMessage, delivery: Delivery) -> None:
        if isinstance(message, ReceiptSeen):
            await self._ledgers.receipts.apply(message)
            return
        if isinstance(message, ReplyFailed):
            await self._ledgers.deliveries.failed(message)
            return
        item = _interaction(message)
        if not interactions.is_person(item.whatsapp_id):
            # A staff alert to a group, say: no person owns that chat, so no session.
            log.info("message to or from a non-person chat not recorded")
            return
        stored = await self._store.record(item)
        await self._accompany(message, item, stored=stored)
        log.info(
            "interaction recorded",
            extra={"new": stored, "direction": item.direction, "attempt": delivery.attempt},
        )

    async def _accompany(self, message: BusMessage, item: Interaction, *, stored: bool) -> None:
        """The media row of a received file; the status and artifact of a sent reply
        (``stored``: the reply was stored just now, ``sent`` already)."""
        key = item.provider_message_id
        if isinstance(message, MessageReceived) and message.media and message.media.storage_key:
            if not await self._ledgers.media.attach(key, message.media):
                await self._ledgers.files.discard(message.media.storage_key)
        elif isinstance(message, ReplySent):
            await self._ledgers.deliveries.sent(message, key, marked=stored)
            if not await self._ledgers.artifacts.record(message, key):
                await self._ledgers.files.discard(_file_key(message))


def _file_key(message: BusMessage) -> str:
    """The media storage key of the file a message names ("" when none)."""
    if isinstance(message, MessageReceived):
        return message.media.storage_key if message.media else ""
    if isinstance(message, ReplySent | ReplyFailed):
        return message.attachment.storage_key if message.attachment else ""
    return ""


def _interaction(message: BusMessage) -> Interaction:
    if isinstance(message, MessageReceived):
        return interactions.inbound(message)
    if isinstance(message, ReplySent):
        return interactions.outbound(message)
    if isinstance(message, OperatorMessageSeen):
        return interactions.operator(message)
    raise InvalidMessage(f"store cannot record {type(message).__name__}")
