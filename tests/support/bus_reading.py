"""Reading back, in a test, every message JetStream stored on one subject."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from nats.aio.client import Client as NATS

from support.polling import HANG_GUARD

T = TypeVar("T")


async def stored_on(nc: NATS, stream: str, subject: str, decode: Callable[[bytes], T]) -> list[T]:
    """Every message of ``subject`` in ``stream`` when called, oldest first, decoded.

    The reading consumer counts what it has to deliver when it is created, and
    exactly that many messages are read: a fetch that is slow to come back (a
    loaded machine) is waited for, not taken for the end of the subject.
    """
    sub = await nc.jetstream().pull_subscribe(subject, stream=stream)
    found: list[T] = []
    try:
        stored = (await sub.consumer_info()).num_pending or 0
        while len(found) < stored:
            batch = await sub.fetch(min(stored - len(found), 50), timeout=HANG_GUARD)
            found.extend(decode(msg.data) for msg in batch)
        return found
    finally:
        await sub.unsubscribe()
