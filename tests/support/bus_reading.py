"""Reading back, in a test, every message JetStream stored on one subject."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from nats.aio.client import Client as NATS

T = TypeVar("T")


async def stored_on(nc: NATS, stream: str, subject: str, decode: Callable[[bytes], T]) -> list[T]:
    """Every message of ``subject`` in ``stream``, oldest first, decoded."""
    sub = await nc.jetstream().pull_subscribe(subject, stream=stream)
    found: list[T] = []
    try:
        while True:
            try:
                batch = await sub.fetch(50, timeout=0.5)
            except TimeoutError:  # nats' own, or asyncio's when the deadline passed first
                return found
            found.extend(decode(msg.data) for msg in batch)
    finally:
        await sub.unsubscribe()
