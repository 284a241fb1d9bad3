"""The gateway's public app in process, with a publisher that records instead of NATS.

For tests of the public edge (limits, bounds, replays): nothing here needs a server,
and what the webhook would have published is read off :class:`RecordingPublisher`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
from nats.aio.client import Client as NATS
from nats.js.api import PubAck

from concierge_common import settings as settings_module
from concierge_common.bus.heartbeat import HeartbeatReader
from concierge_common.bus.publisher import Publisher
from concierge_common.bus.rpc import RpcClient
from concierge_common.bus.topology import Topology
from concierge_common.contracts.messages import BusMessage
from gateway.app import create_app
from gateway.settings import GatewaySettings
from gateway.signature import sign
from support.stack import HMAC_KEY, base_env

CLIENT = ("203.0.113.7", 40000)


def edge_settings(**overrides: str) -> GatewaySettings:
    env = base_env(
        nats_url="nats://127.0.0.1:1",
        namespace="edge",
        database_url="postgresql://unused",
        redis_url="redis://unused",
    )
    return settings_module.load(GatewaySettings, {**env, **overrides})


class RecordingPublisher(Publisher):
    """Keeps what would have been published; raises ``failure`` instead when it is set."""

    def __init__(self) -> None:
        super().__init__(NATS(), Topology("edge", 1))
        self.published: list[tuple[str, BusMessage]] = []
        self.failure: Exception | None = None

    async def publish(self, flow: str, message: BusMessage) -> PubAck:
        if self.failure is not None:
            raise self.failure
        self.published.append((flow, message))
        return PubAck(stream="edge", seq=len(self.published), duplicate=False)


@contextlib.asynccontextmanager
async def edge_client(
    settings: GatewaySettings,
    publisher: Publisher | None = None,
    *,
    client: tuple[str, int] = CLIENT,
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the public app, as seen from ``client``'s address."""
    nc, topology = NATS(), Topology.from_settings(settings)
    app = create_app(
        settings,
        publisher or RecordingPublisher(),
        RpcClient(nc, topology),
        HeartbeatReader(nc, topology.health_bucket, max_age=15.0),
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=client)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http


async def post_webhook(
    http: httpx.AsyncClient, event: dict[str, Any] | bytes, **headers: str
) -> httpx.Response:
    """``event`` signed with the test HMAC key, as WAHA posts it."""
    raw = event if isinstance(event, bytes) else json.dumps(event).encode()
    signed = {"content-type": "application/json", "x-webhook-hmac": sign(HMAC_KEY, raw)}
    return await http.post("/webhook", content=raw, headers={**signed, **headers})
