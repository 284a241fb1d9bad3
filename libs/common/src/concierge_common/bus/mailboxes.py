"""Conversation actors: one mailbox per conversation, handled in order, all at once.

Each conversation that has something to handle gets a mailbox (a FIFO) and one
task, its actor, which takes the mailbox's items one at a time and stops when it
is empty. Different conversations' actors run concurrently; how many handlers
may run at once is bounded elsewhere (the consumer's slots), so a conversation
that waits (a typing pause, a retry delay, a slow LLM) only holds up its own
later messages. Idle conversations cost nothing: no task, no mailbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Mailboxes(Generic[T]):
    """Runs ``work`` over the items posted for each key, in order per key."""

    def __init__(self, work: Callable[[T], Awaitable[None]], *, name: str) -> None:
        self._work = work
        self._name = name
        self._boxes: dict[str, deque[T]] = {}
        self._actors: dict[str, asyncio.Task[None]] = {}

    def __len__(self) -> int:
        """How many conversations have an actor right now."""
        return len(self._actors)

    def post(self, key: str, item: T) -> None:
        """Queue ``item`` behind what ``key`` already has; start its actor if it has none."""
        box = self._boxes.get(key)
        if box is not None:
            box.append(item)
            return
        self._boxes[key] = deque((item,))
        self._actors[key] = asyncio.create_task(self._run(key), name=f"{self._name}:actor")

    async def cancel(self) -> None:
        """Stop every actor now (what they held is left to the bus's redelivery)."""
        actors = list(self._actors.values())
        for actor in actors:
            actor.cancel()
        await asyncio.gather(*actors, return_exceptions=True)

    async def _run(self, key: str) -> None:
        box = self._boxes[key]
        try:
            while box:
                item = box.popleft()
                try:
                    await self._work(item)
                except Exception:  # work settles its own errors; this is a bug
                    log.exception("conversation actor failed on an item")
        finally:
            # No await since the loop saw the mailbox empty: nothing was posted meanwhile.
            with contextlib.suppress(KeyError):
                del self._boxes[key]
                del self._actors[key]
