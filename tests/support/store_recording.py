"""The store's recorder wired as the store wires it, bus messages delivered to it, and
what it recorded."""

from __future__ import annotations

import tempfile
from pathlib import Path

from concierge_common.bus.consumer import Delivery
from concierge_common.contracts.messages import BusMessage
from concierge_common.storage.media_storage import LocalMediaStorage, MediaStorage
from store.interactions import Interactions
from store.recorder import Ledgers, Recorder
from support.store_sessions import SessionStore


def recorder_of(store: SessionStore, media: MediaStorage | None = None) -> Recorder:
    """``media``: where the files messages name are kept (by default a folder of the
    system's temporary directory, where no test keeps files)."""
    kept = Interactions(store.pool, store.users, store.sessions)
    storage = media or LocalMediaStorage(Path(tempfile.gettempdir()) / "concierge-test-media")
    return Recorder(kept, Ledgers.of(store.pool, kept, storage))


async def deliver(recorder: Recorder, *messages: BusMessage, times: int = 1) -> None:
    """Each message in turn, ``times`` times (attempts 1, 2, ...: redeliveries)."""
    for message in messages:
        for attempt in range(1, times + 1):
            await recorder(message, Delivery(attempt=attempt, subject="test", stream_sequence=1))


async def delivery_status(store: SessionStore, provider_message_id: str) -> str:
    """The delivery status of the interaction recorded under ``provider_message_id``."""
    return str(
        await store.pool.fetchval(
            "SELECT delivery_status FROM interactions WHERE provider_message_id = $1",
            provider_message_id,
        )
    )
