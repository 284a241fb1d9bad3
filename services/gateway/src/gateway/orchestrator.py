"""One synchronous exchange of ``POST /orchestrate``: a message in, the replies it caused out.

The message enters the same pipeline as a WhatsApp message (a
``MessageReceived`` on ``inbound``, ``channel="api"``, see
:mod:`gateway.api_channel`); the exchange listens to the conversation's replies
before publishing it, then collects them: once a first reply came and no other
followed for ``quiet`` seconds, or at ``timeout``. A reply to another message
of the same person (a concurrent or an earlier, timed-out request) is left out;
replies that answer no message in particular (handoff notices) are kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from concierge_common import ids
from concierge_common.contracts.messages import BusMessage, MessageReceived, SendReply
from concierge_common.errors import DownstreamUnavailable
from gateway.api_channel import API_SESSION, ReplyInbox, api_chat_id

log = logging.getLogger(__name__)

API_CHANNEL = "api"
HANDOFF_ORIGIN = "handoff"


class Publishing(Protocol):
    """What the exchange needs of :class:`concierge_common.bus.publisher.Publisher`."""

    async def publish(self, flow: str, message: BusMessage) -> object: ...


class Listening(Protocol):
    """What the exchange needs of :class:`gateway.api_channel.ReplyListener`."""

    def listen(self, conversation_id: str) -> AbstractAsyncContextManager[ReplyInbox]: ...


class NoReply(DownstreamUnavailable):
    """The message was accepted but nothing answered it in time (HTTP 504)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status=504)


@dataclass(frozen=True)
class Exchange:
    """What came back: the replies in arrival order, and whether a human takes over."""

    conversation_id: str
    replies: list[SendReply]

    @property
    def handed_off(self) -> bool:
        return any(reply.origin == HANDOFF_ORIGIN for reply in self.replies)


@dataclass(frozen=True)
class Timing:
    """How long an exchange waits: ``quiet`` after the last reply, ``timeout`` in all."""

    quiet: float
    timeout: float


class Orchestrator:
    """Publishes the caller's message and waits for the pipeline's replies."""

    def __init__(
        self,
        publisher: Publishing,
        listener: Listening,
        *,
        conversation_key: str,
        timing: Timing,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._publisher = publisher
        self._listener = listener
        self._key = conversation_key
        self._timing = timing
        self._clock = clock

    def message(self, person: str, text: str, name: str = "") -> MessageReceived:
        """The ``MessageReceived`` of one request (a fresh provider message id each time).

        ``person`` is scoped to its channel already (:func:`gateway.api_channel.api_person`).
        """
        chat_id = api_chat_id(person)
        provider_id = ids.new_id()
        message_id = ids.derived_id("gateway", f"{API_SESSION}\x1f{provider_id}")
        return MessageReceived(
            message_id=message_id,
            conversation_id=ids.conversation_id(self._key, API_SESSION, chat_id),
            correlation_id=message_id,
            session=API_SESSION,
            chat_id=chat_id,
            sender_id=chat_id,
            provider_message_id=provider_id,
            text=text,
            sent_at=self._clock(),
            push_name=name,
            channel=API_CHANNEL,
        )

    async def exchange(self, message: MessageReceived) -> Exchange:
        """Publish ``message`` and collect its replies.

        Raise :class:`~concierge_common.errors.BusUnavailable` when NATS cannot
        take it, :class:`NoReply` when nothing answered within the timeout.
        """
        async with self._listener.listen(message.conversation_id) as inbox:
            await self._publisher.publish("inbound", message)
            replies = await self._collect(inbox, message.provider_message_id)
        if not replies:
            raise NoReply(f"no reply within {self._timing.timeout:g} s")
        return Exchange(message.conversation_id, replies)

    async def _collect(self, inbox: ReplyInbox, provider_id: str) -> list[SendReply]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timing.timeout
        replies: dict[str, SendReply] = {}  # by reply id: a resent reply counts once
        while (remaining := deadline - loop.time()) > 0:
            wait = min(self._timing.quiet, remaining) if replies else remaining
            reply = await inbox.next(wait)
            if reply is None:
                break
            if reply.in_reply_to in ("", provider_id):
                replies.setdefault(reply.message_id, reply)
            else:
                log.debug("reply to another message of the conversation left out")
        return list(replies.values())
