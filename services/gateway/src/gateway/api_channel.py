"""The ``api`` channel: conversations of ``POST /orchestrate``, answered over core NATS.

A caller of ``POST /orchestrate`` is a person like any other for the pipeline:
their messages enter the ``inbound`` flow in the pseudo WAHA session ``api``
with the chat id ``<channel>:<user>@api``: the person is scoped to the calling
channel (its token's subject), so two channels never share a person and no
channel can write as another channel's person, whatever ``user`` it names
(:func:`api_person`). Their replies must not go to WAHA: the
gateway's outbound role publishes each of them (the ``SendReply`` itself) on a
core NATS subject of the conversation, where the api role that holds the HTTP
request open is listening. Any replica's outbound role may publish, any api
replica may wait: the subject is the meeting point.

Core NATS keeps nothing: a reply published while nobody listens (a staff answer
long after the request returned) is recorded by the store as sent, and only
there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator

import msgspec
import nats.errors
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from concierge_common.bus.topology import Topology
from concierge_common.contracts.messages import SendReply, encode
from concierge_common.errors import BusUnavailable

log = logging.getLogger(__name__)

API_SESSION = "api"
API_CHAT_SUFFIX = "@api"
# A channel (a token's subject) as it prefixes its people: no ":" (the separator, so
# the first ":" of a person always ends their channel) and no "@" (the id's suffix).
CHANNEL_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
CHANNEL_SEPARATOR = ":"

_reply_decoder = msgspec.json.Decoder(SendReply)


class UnscopedChannel(ValueError):
    """A token subject that cannot name a channel (empty, or outside ``CHANNEL_PATTERN``)."""


def api_person(channel: str, user: str) -> str:
    """``<channel>:<user>``: the caller's opaque ``user`` within its ``channel``.

    Raise :class:`UnscopedChannel` when ``channel`` is not a usable subject.
    """
    if not CHANNEL_PATTERN.fullmatch(channel):
        raise UnscopedChannel("the token's subject cannot name a channel")
    return f"{channel}{CHANNEL_SEPARATOR}{user}"


def api_chat_id(person: str) -> str:
    """The chat id of a scoped person (:func:`api_person`; also their id for the store)."""
    return f"{person}{API_CHAT_SUFFIX}"


def is_api_chat(session: str, chat_id: str) -> bool:
    """Whether a reply is for a caller of ``POST /orchestrate`` (never for WAHA)."""
    return session == API_SESSION and chat_id.endswith(API_CHAT_SUFFIX)


def reply_subject(topology: Topology, conversation_id: str) -> str:
    """The core NATS subject of one api conversation's replies."""
    return f"{topology.subject_prefix}orchestrate.v1.reply.{conversation_id}"


class ApiReplies:
    """The outbound side: publishes an api conversation's reply to whoever waits for it."""

    def __init__(self, nc: NATS, topology: Topology) -> None:
        self._nc = nc
        self._topology = topology

    async def publish(self, reply: SendReply) -> None:
        """Raise :class:`BusUnavailable` when NATS cannot take it (the delivery is retried)."""
        subject = reply_subject(self._topology, reply.conversation_id)
        try:
            await self._nc.publish(subject, encode(reply))
        except (nats.errors.Error, OSError) as exc:
            raise BusUnavailable(f"api reply not published: {type(exc).__name__}") from exc


class ReplyInbox:
    """The replies received on one subscription, in arrival order."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[SendReply] = asyncio.Queue()

    async def deliver(self, msg: Msg) -> None:
        try:
            reply = _reply_decoder.decode(msg.data)
        except (msgspec.DecodeError, msgspec.ValidationError):
            log.warning("undecodable api reply ignored")
            return
        self._queue.put_nowait(reply)

    async def next(self, timeout: float) -> SendReply | None:
        """The next reply, or ``None`` when none came within ``timeout`` seconds."""
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return None


class ReplyListener:
    """The api side: listens to one conversation's replies while a request waits."""

    def __init__(self, nc: NATS, topology: Topology) -> None:
        self._nc = nc
        self._topology = topology

    @contextlib.asynccontextmanager
    async def listen(self, conversation_id: str) -> AsyncIterator[ReplyInbox]:
        """Subscribe for the block's duration; raise :class:`BusUnavailable` without NATS.

        Subscribe BEFORE publishing the message: NATS handles one connection's
        protocol in order, so the interest exists before the message can be
        answered (the reply comes from another connection, later).
        """
        if not self._nc.is_connected:
            raise BusUnavailable("not connected to NATS")
        inbox = ReplyInbox()
        subject = reply_subject(self._topology, conversation_id)
        try:
            subscription = await self._nc.subscribe(subject, cb=inbox.deliver)
        except (nats.errors.Error, OSError) as exc:
            raise BusUnavailable(f"cannot listen for replies: {type(exc).__name__}") from exc
        try:
            yield inbox
        finally:
            try:
                await subscription.unsubscribe()
            except nats.errors.Error as exc:  # the connection closed meanwhile: nothing to undo
                log.debug("api reply subscription not removed: %s", type(exc).__name__)
