"""Burst coalescing: several quick messages of one person become one turn, answered once.

People often write a question in three bubbles ("bonjour", "c'est pour un
baptême", "quels papiers faut-il ?"). Answering each would make the bot talk
over itself. The router handles one conversation's messages in order; for each
message it waits until the burst window after that message has passed, then
looks at the conversation's subject in JetStream: if a later message is already
there, this one is not the end of the burst and is kept in the session's state
(Postgres, through the store: losing Redis or the router loses nothing);
otherwise the turn is every kept message plus this one.

A kept message's file (its kind and :class:`MediaRef`, without WAHA's passing
URL) is kept with its text, so a photo sent just before the question reaches
the answer with it.

The wait happens only while a message is younger than the window: under a
backlog, messages are older and the decision is immediate. The window is
measured from the gateway's publish time (``created_at``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from concierge_common.bus.consumer import Delivery
from concierge_common.messages import MEDIA_UNAVAILABLE, MediaRef, MessageReceived

BURST_KEY = "burst"
LastSequence = Callable[[str], Awaitable[int]]


@dataclass(frozen=True)
class TurnFile:
    """A file of the turn: the message's kind and what the gateway kept of it (if anything)."""

    kind: str
    media: MediaRef | None = None


@dataclass(frozen=True)
class Turn:
    """The messages answered together: ``last`` and the texts of all of them, oldest first.

    ``earlier`` are the files of the messages kept before ``last``, oldest first.
    """

    last: MessageReceived
    texts: list[str]
    earlier: list[TurnFile] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def files(self) -> list[TurnFile]:
        """Every file of the turn, oldest first, the last message's included."""
        return [*self.earlier, *_files_of(self.last)]

    @property
    def media(self) -> list[MediaRef]:
        """The received files of the turn (kept or refused), oldest first."""
        return [item.media for item in self.files if item.media is not None]


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


def pending(state: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages kept for the turn in progress (``[{"id", "text", "kind"?, "media"?}]``)."""
    kept = state.get(BURST_KEY)
    return list(kept) if isinstance(kept, list) else []


def keep(state: dict[str, Any], message: MessageReceived) -> dict[str, Any]:
    """``state`` with ``message`` added to the turn in progress (once, even if redelivered)."""
    kept = pending(state)
    if all(item.get("id") != message.message_id for item in kept):
        kept.append(_entry(message))
    return {**state, BURST_KEY: kept}


def turn_of(state: dict[str, Any], message: MessageReceived) -> Turn:
    """The whole turn ending with ``message``."""
    kept = [item for item in pending(state) if item.get("id") != message.message_id]
    texts = [item["text"] for item in kept if item.get("text")]
    if message.text:
        texts.append(message.text)
    return Turn(message, texts, [file for item in kept for file in _kept_files(item)])


def _entry(message: MessageReceived) -> dict[str, Any]:
    """What the state keeps of a message (JSON: it is stored in Postgres)."""
    entry: dict[str, Any] = {"id": message.message_id, "text": message.text}
    if message.kind != "text":
        entry["kind"] = message.kind
    if message.media is not None:
        entry["media"] = msgspec.to_builtins(msgspec.structs.replace(message.media, url=""))
    return entry


def _files_of(message: MessageReceived) -> list[TurnFile]:
    if message.kind == "text" and message.media is None:
        return []
    return [TurnFile(message.kind, message.media)]


def _kept_files(item: dict[str, Any]) -> list[TurnFile]:
    kind = str(item.get("kind") or "text")
    raw = item.get("media")
    media = None
    if raw is not None:
        try:
            media = msgspec.convert(raw, MediaRef)
        except msgspec.ValidationError:
            media = MediaRef(error=MEDIA_UNAVAILABLE)  # unreadable state: the file is lost
    if kind == "text" and media is None:
        return []
    return [TurnFile(kind, media)]


def without_burst(state: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in state.items() if key != BURST_KEY}
