"""``POST /orchestrate`` against the real NATS with a scripted pipeline, in process.

The real app (``create_app`` with a real :class:`gateway.api_channel.ReplyListener`)
publishes to the real JetStream stream of the test's namespace. A
:class:`ScriptedPipeline` stands for router, ai, handoff and the outbound role: it
sees every message published on ``inbound`` and answers it with the replies its
script returns, through the outbound role's own publisher
(:class:`gateway.api_channel.ApiReplies`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import httpx
import nats
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from concierge_common import ids
from concierge_common import settings as settings_module
from concierge_common.bus.heartbeat import HeartbeatReader
from concierge_common.bus.publisher import Publisher
from concierge_common.bus.rpc import RpcClient
from concierge_common.bus.topology import Topology, declare_streams
from concierge_common.contracts.messages import Codec, MessageReceived, SendReply
from gateway.api_channel import ApiReplies, ReplyListener
from gateway.app import create_app
from gateway.settings import GatewaySettings
from support.polling import HANG_GUARD
from support.stack import delete_namespace

Script = Callable[[MessageReceived], list[SendReply]]
INBOUND = Codec(MessageReceived)


def reply_to(message: MessageReceived, text: str, *, origin: str = "ai", n: int = 0) -> SendReply:
    """A reply to ``message`` as the pipeline would produce it (deterministic id)."""
    return SendReply(
        message_id=ids.derived_id(f"scripted-{n}", message.message_id),
        conversation_id=message.conversation_id,
        correlation_id=message.correlation_id,
        session=message.session,
        chat_id=message.chat_id,
        text=text,
        in_reply_to="" if origin == "handoff" else message.provider_message_id,
        origin=origin,
    )


def silent(message: MessageReceived) -> list[SendReply]:
    return []


@dataclass
class ScriptedPipeline:
    """Answers each inbound message with ``script(message)``; records what it saw."""

    replies: ApiReplies
    script: Script = silent
    received: list[MessageReceived] = field(default_factory=list)

    async def on_inbound(self, msg: Msg) -> None:
        message = INBOUND.decode(msg.data)
        assert isinstance(message, MessageReceived)
        self.received.append(message)
        for reply in self.script(message):
            await self.replies.publish(reply)


@dataclass
class OrchestrateApi:
    http: httpx.AsyncClient
    pipeline: ScriptedPipeline
    topology: Topology
    conversation_key: str


def orchestrate_env(env: dict[str, str], **overrides: str) -> dict[str, str]:
    """A short quiet period (the scripted replies follow each other at once), and the
    product's timeout raised to a hang guard: a test waits for its answer however slow
    the machine. A test about the timeout itself sets a short one, with nothing answering."""
    waits = {
        "GATEWAY_ORCHESTRATE_QUIET_SECONDS": "0.3",
        "GATEWAY_ORCHESTRATE_TIMEOUT_SECONDS": str(HANG_GUARD),
    }
    return {**env, **waits, **overrides}


@contextlib.asynccontextmanager
async def running_orchestrate_api(env: dict[str, str]) -> AsyncIterator[OrchestrateApi]:
    """The app (api side) and the scripted pipeline, each on its own NATS connection."""
    settings = settings_module.load(GatewaySettings, env)
    topology = Topology.from_settings(settings)
    edge = await nats.connect(settings.nats_url)
    behind = await nats.connect(settings.nats_url)
    try:
        await declare_streams(edge.jetstream(), topology, settings)
        pipeline = ScriptedPipeline(ApiReplies(behind, topology))
        inbound = f"{topology.subject_prefix}chat.v1.inbound.>"
        await behind.subscribe(inbound, cb=pipeline.on_inbound)
        await behind.flush()
        async with _client(settings, edge, topology) as http:
            yield OrchestrateApi(http, pipeline, topology, settings.conversation_id_key)
    finally:
        await behind.close()
        await edge.close()
        await delete_namespace(settings.nats_url, topology)


@contextlib.asynccontextmanager
async def _client(
    settings: GatewaySettings, nc: NATS, topology: Topology
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        settings,
        Publisher(nc, topology),
        RpcClient(nc, topology, timeout=HANG_GUARD),
        HeartbeatReader(nc, topology.health_bucket, max_age=15.0),
        replies=ReplyListener(nc, topology),
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http
