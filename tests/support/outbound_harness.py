"""The gateway's real outbound sender wired to the real NATS and a WAHA stand-in.

Contract tests hand it replies the way the outbound consumer does (a retry is the
same reply handed again with the next attempt number) and read what WAHA received
and what the sender published on the ``sent`` flow.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import msgspec
import nats
from nats.aio.client import Client as NATS
from nats.js.kv import KeyValue

from concierge_common import ids
from concierge_common import settings as settings_module
from concierge_common.bus.consumer import Delivery
from concierge_common.bus.publisher import Publisher
from concierge_common.bus.topology import Topology, declare_streams
from concierge_common.contracts.messages import Codec, ReplyFailed, ReplySent, SendReply
from concierge_common.storage.media_storage import LocalMediaStorage
from concierge_devkit.waha_fake import WahaFake, serve_fake
from gateway.api_channel import ApiReplies
from gateway.outbound import OutboundSender, SendOptions
from gateway.settings import GatewaySettings
from gateway.waha_client import WahaClient
from support.api import api_env
from support.bus_reading import stored_on
from support.stack import WAHA_KEY, delete_namespace

SENT_FLOW = Codec(ReplySent, ReplyFailed)
W = TypeVar("W", bound=WahaFake)

# The sender's options, given the run's media storage and a list its pacing may record
# its pauses into (instead of sleeping).
OptionsFor = Callable[[LocalMediaStorage, list[float]], SendOptions]


@dataclass
class OutboundHarness(Generic[W]):
    sender: OutboundSender
    waha: W
    bucket: KeyValue
    nc: NATS
    topology: Topology
    key: str
    media: LocalMediaStorage
    pauses: list[float]
    person: str

    def reply(self, text: str = "La messe est à 10 h 30.", **fields: object) -> SendReply:
        """A reply to the person (or to ``chat_id``), answering a message WAHA knows."""
        chat = str(fields.pop("chat_id", self.person))
        reply = SendReply(
            message_id=ids.new_id(),
            conversation_id=ids.conversation_id(self.key, "default", chat),
            correlation_id="corr-1",
            session="default",
            chat_id=chat,
            text=text,
            in_reply_to="inbound-1",
            in_reply_to_provider_id=f"false_{chat}_3EB0{uuid.uuid4().hex[:16].upper()}",
        )
        return msgspec.structs.replace(reply, **fields)

    async def deliver(self, reply: SendReply, attempt: int = 1) -> None:
        await self.sender(reply, Delivery(attempt=attempt, subject="s", stream_sequence=1))

    def endpoints(self) -> list[str]:
        """What the gateway asked of WAHA, in order, without the id requests."""
        return [r.endpoint for r in self.waha.requests if r.endpoint != "newMessageId"]

    def texts(self) -> list[str]:
        return [str(r.body["text"]) for r in self.waha.sent_texts]

    async def events(self, reply: SendReply) -> list[ReplySent | ReplyFailed]:
        """What the sender published about ``reply`` on the ``sent`` flow."""
        subject = self.topology.subject("sent", reply.conversation_id)
        found = await stored_on(self.nc, self.topology.stream, subject, SENT_FLOW.decode)
        return [event for event in found if isinstance(event, ReplySent | ReplyFailed)]


@asynccontextmanager
async def outbound_harness(
    namespace: str,
    media_dir: Path,
    waha: W,
    options_for: OptionsFor,
    *,
    person: str,
    client_timeout: float | None = None,  # None: the client's usual 30 s
) -> AsyncIterator[OutboundHarness[W]]:
    """The sender on the namespace's bus, sending to ``waha``; its streams are deleted after.

    On a clean exit, every request WAHA received matched its OpenAPI.
    """
    settings = settings_module.load(GatewaySettings, api_env(namespace))
    topology = Topology.from_settings(settings)
    server = await serve_fake(waha)
    client = WahaClient(waha.base_url, WAHA_KEY, timeout=client_timeout or 30.0)
    nc = await nats.connect(settings.nats_url)
    media = LocalMediaStorage(media_dir)
    pauses: list[float] = []
    try:
        await declare_streams(nc.jetstream(), topology, settings)
        bucket = await nc.jetstream().key_value(topology.sent_bucket)
        sender = OutboundSender(
            client,
            bucket,
            Publisher(nc, topology),
            ApiReplies(nc, topology),
            whatsapp_session="default",
            options=options_for(media, pauses),
        )
        key = settings.conversation_id_key
        yield OutboundHarness(sender, waha, bucket, nc, topology, key, media, pauses, person)
        assert waha.invalid == []
    finally:
        await client.aclose()
        await nc.close()
        await server.stop()
        await delete_namespace(settings.nats_url, topology)
