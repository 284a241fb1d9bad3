"""Burst coalescing: several quick messages of one person become one turn, answered once.

People often write a question in three bubbles ("bonjour", "c'est pour un
baptême", "quels papiers faut-il ?"). Answering each would make the bot talk
over itself. The router handles one conversation's messages in order; for each
message it waits until the burst window after that message has passed, then
looks at the conversation's subject in JetStream: if a later message is already
there, this one is not the end of the burst and is kept in the session's state
(Postgres, through the store: losing Redis or the router loses nothing);
otherwise the turn is every kept message plus this one.

The wait happens only while a message is younger than the window: under a
backlog, messages are older and the decision is immediate. The window is
measured from the gateway's publish time (``created_at``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from concierge_common.bus.consumer import Delivery
from concierge_common.messages import MessageReceived

BURST_KEY = "burst"
LastSequence = Callable[[str], Awaitable[int]]


@dataclass(frozen=True)
class Turn:
    """The messages answered together: ``last`` and the texts of all of them, oldest first."""

    last: MessageReceived
    texts: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


def jetstream_last_sequence(js: JetStreamContext, stream: str) -> LastSequence:
    """The sequence of the newest message on a subject (0 when there is none)."""

    async def last(subject: str) -> int:
        try:
            raw = await js.get_last_msg(stream, subject)
        except NotFoundError:
            return 0
        return int(raw.seq or 0)

    return last


class Coalescer:
    def __init__(
        self,
        last_sequence: LastSequence,
        *,
        window: float,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self._last_sequence = last_sequence
        self._window = window
        self._clock = clock
        self._sleep = sleep

    @property
    def enabled(self) -> bool:
        return self._window > 0

    async def more_coming(self, message: MessageReceived, delivery: Delivery) -> bool:
        """True when a later message of the same conversation arrived within the window."""
        if not self.enabled:
            return False
        wait = message.created_at + self._window - self._clock()
        if wait > 0:
            await self._sleep(min(wait, self._window))
        return await self._last_sequence(delivery.subject) > delivery.stream_sequence


def pending(state: dict[str, Any]) -> list[dict[str, str]]:
    """The messages kept for the turn in progress (``[{"id", "text"}]``)."""
    kept = state.get(BURST_KEY)
    return list(kept) if isinstance(kept, list) else []


def keep(state: dict[str, Any], message: MessageReceived) -> dict[str, Any]:
    """``state`` with ``message`` added to the turn in progress (once, even if redelivered)."""
    kept = pending(state)
    if all(item.get("id") != message.message_id for item in kept):
        kept.append({"id": message.message_id, "text": message.text})
    return {**state, BURST_KEY: kept}


def turn_of(state: dict[str, Any], message: MessageReceived) -> Turn:
    """The whole turn ending with ``message``."""
    kept = [item for item in pending(state) if item.get("id") != message.message_id]
    texts = [item["text"] for item in kept if item.get("text")]
    if message.text:
        texts.append(message.text)
    return Turn(message, texts)


def without_burst(state: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in state.items() if key != BURST_KEY}
