"""Burst coalescing: several quick messages of one person become one turn, answered once.

People often write a question in three bubbles ("bonjour", "c'est pour un
baptême", "quels papiers faut-il ?"). Answering each would make the bot talk
over itself. The router handles one conversation's messages in order; a
message ends its turn unless the person's next message was sent less than the
burst window after it (or before it: two webhooks may cross). The next message
is the one after it on the conversation's subject in JetStream: already there
(the router is behind), or arriving while the router waits. A message that does
not end its turn is kept in the session's state (Postgres, through the store:
losing Redis or the router loses nothing); the turn is every kept message plus
the one ending it.

"Sent" is the person's own time (WhatsApp's ``sent_at``, else the gateway's),
compared only with the time of their other message (:mod:`router.sending_gap`):
how late the router gets to the messages does not matter, so questions sent
seconds apart stay separate turns even when they all wait in the queue.

The router waits only while a message is younger than the window, measured on
the server's clock (the gateway's ``created_at``) and never longer than the
window, whatever the phone's clock says; then it reads the next message once.
Under a backlog, messages are older and the decision is immediate.

A reply typed on the organisation's phone after the message (``OperatorMessageSeen``)
means a human answers: the message is kept and the bot does not answer it.

A kept message's file (its kind and :class:`MediaRef`, without WAHA's passing
URL) is kept with its text, so a photo sent just before the question reaches
the answer with it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from concierge_common.bus.consumer import Delivery
from concierge_common.contracts.messages import (
    MEDIA_UNAVAILABLE,
    BusMessage,
    MediaRef,
    MessageReceived,
    OperatorMessageSeen,
)
from router.sending_gap import sent_apart

BURST_KEY = "burst"
# The message after a stream sequence on a subject (None when there is none yet).
NextMessage = Callable[[str, int], Awaitable[BusMessage | None]]


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


class Coalescer:
    def __init__(
        self,
        next_message: NextMessage,
        *,
        window: float,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self._next_message = next_message
        self._window = window
        self._clock = clock
        self._sleep = sleep

    @property
    def enabled(self) -> bool:
        return self._window > 0

    async def more_coming(self, message: MessageReceived, delivery: Delivery) -> bool:
        """True when ``message`` does not end its turn: the person sent their next message
        less than the window from it (or a human answered it from the phone)."""
        if not self.enabled:
            return False
        await self._wait_while_young(message)
        following = await self._next_message(delivery.subject, delivery.stream_sequence)
        return self._continued_by(message, following)

    async def _wait_while_young(self, message: MessageReceived) -> None:
        """Give the next message until the end of the window, on the server's clock."""
        wait = message.created_at + self._window - self._clock()
        if wait > 0:
            await self._sleep(min(wait, self._window))

    def _continued_by(self, message: MessageReceived, following: BusMessage | None) -> bool:
        if isinstance(following, OperatorMessageSeen):
            return True
        if not isinstance(following, MessageReceived):
            return False
        if following.message_id == message.message_id:
            return False  # a copy of this very message, skipped as a duplicate
        return sent_apart(message, following) < self._window


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
