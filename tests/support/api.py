"""The gateway's real HTTP app against a fake store on the real NATS, in process.

``create_app`` is served through ``httpx.ASGITransport``; the store's operations
are answered by :class:`support.fake_store.FakeStore` over request/reply, so the
gateway's requests cross NATS exactly as in production.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import nats

from concierge_common import settings as settings_module
from concierge_common.bus.heartbeat import HeartbeatReader
from concierge_common.bus.publisher import Publisher
from concierge_common.bus.rpc import RpcClient
from concierge_common.bus.topology import Topology
from gateway.api.auth import mint_token
from gateway.app import create_app
from gateway.settings import DEFAULT_JWT_AUDIENCE, GatewaySettings
from support.fake_store import FakeStore
from support.infra import NATS_URL
from support.polling import HANG_GUARD
from support.stack import JWT_SECRET, base_env


def api_env(namespace: str, **overrides: str) -> dict[str, str]:
    env = base_env(
        nats_url=NATS_URL,
        namespace=namespace,
        database_url="postgresql://unused",
        redis_url="redis://unused",
    )
    return {**env, **overrides}


def token(
    *roles: str,
    ttl: float = 3600.0,
    secret: str = JWT_SECRET,
    audience: str = DEFAULT_JWT_AUDIENCE,
) -> str:
    return mint_token(
        secret, subject="tester", roles=list(roles), ttl_seconds=ttl, audience=audience
    )


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def as_role(*roles: str) -> dict[str, str]:
    """Headers of a valid token with ``roles``."""
    return bearer(token(*roles))


@dataclass
class Api:
    http: httpx.AsyncClient
    store: FakeStore


@contextlib.asynccontextmanager
async def running_api(env: dict[str, str], *, with_store: bool = True) -> AsyncIterator[Api]:
    """The app on a NATS connection of its own; the fake store answers unless told not to."""
    settings = settings_module.load(GatewaySettings, env)
    topology = Topology.from_settings(settings)
    nc = await nats.connect(settings.nats_url)
    store = FakeStore()
    if with_store:
        await store.start(nc, topology)
    app = create_app(
        settings,
        Publisher(nc, topology),
        # A hang guard: no replica answers at once (no responders), and nothing here stalls.
        RpcClient(nc, topology, timeout=HANG_GUARD),
        HeartbeatReader(nc, topology.health_bucket, max_age=15.0),
    )
    # Unexpected errors must come back as the 500 answer, not be re-raised into the test.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            yield Api(http, store)
    finally:
        await store.stop()
        await nc.close()
