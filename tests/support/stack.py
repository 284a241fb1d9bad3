"""The whole concierge, in process, against real NATS, Postgres and Redis.

Each test gets its own bus namespace (streams, subjects, buckets, Redis keys)
so tests never see each other's messages on the shared servers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import nats
from nats.js.api import StreamInfo

from ai.service import AiService
from ai.settings import AiSettings
from concierge_common import settings as settings_module
from concierge_common.bus.connection import servers
from concierge_common.bus.topology import Topology
from concierge_devkit.namespaces import forget_namespace
from concierge_devkit.waha_fake import WahaFake, serve_fake
from gateway.service import GatewayService
from gateway.settings import GatewaySettings
from gateway.signature import sign
from handoff.service import HandoffService
from handoff.settings import HandoffSettings
from router.service import RouterService
from router.settings import RouterSettings
from store import seed
from store.service import StoreService
from store.settings import StoreSettings
from support.polling import guarded

HMAC_KEY = "test-hmac-key-of-at-least-32-bytes"
WAHA_KEY = "test-waha-key-of-at-least-32-bytes"
JWT_SECRET = "test-jwt-secret-of-at-least-32-bytes"


def base_env(*, nats_url: str, namespace: str, database_url: str, redis_url: str) -> dict[str, str]:
    return {
        "NATS_URL": nats_url,
        "BUS_NAMESPACE": namespace,
        "BUS_PARTITIONS": "8",
        "BUS_RETRY_DELAYS": "0.2,0.5,1",
        "BUS_FETCH_TIMEOUT_SECONDS": "1",
        "SHUTDOWN_GRACE_SECONDS": "5",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CONVERSATION_ID_KEY": "test-conversation-key-of-at-least-32-bytes",
        "INTRINSIC_ID_KEY": "test-intrinsic-id-key-of-at-least-32-bytes",
        "WAHA_URL": "http://127.0.0.1:1",
        "WAHA_API_KEY": WAHA_KEY,
        "WAHA_WEBHOOK_HMAC_KEY": HMAC_KEY,
        "WAHA_TIMEOUT_SECONDS": "5",
        "JWT_SECRET": JWT_SECRET,
        # Off unless a test is about coalescing: most tests send several messages quickly.
        "ROUTER_BURST_WINDOW_SECONDS": "0",
        # A "typing..." pause of 1 ms (the typing calls are made; with no pause at all the
        # gateway skips them) and no rate limit unless a test is about them: tests send
        # many replies quickly (the gateway's pacing and limits have their own tests).
        "GATEWAY_TYPING_MIN_SECONDS": "0",
        "GATEWAY_TYPING_MAX_SECONDS": "0.001",
        "GATEWAY_TYPING_JITTER_SECONDS": "0",
        "GATEWAY_CHAT_MESSAGES_PER_MINUTE": "0",
        "GATEWAY_GLOBAL_MESSAGES_PER_MINUTE": "0",
        # Every test request comes from 127.0.0.1: the public port's per-source limit
        # has its own tests (tests/security/test_security_public_port.py).
        "GATEWAY_SOURCE_REQUESTS_PER_SECOND": "0",
    }


@dataclass
class Stack:
    env: dict[str, str]
    waha: WahaFake
    gateway: GatewayService
    services: list[Any] = field(default_factory=list)
    http: httpx.AsyncClient | None = None

    @property
    def topology(self) -> Topology:
        return self.gateway.runtime.topology

    async def post(
        self,
        body: Mapping[str, Any] | bytes,
        *,
        signed: bool = True,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent_headers = {"content-type": "application/json", **(headers or {})}
        if signed:
            sent_headers["x-webhook-hmac"] = sign(HMAC_KEY, raw)
            sent_headers["x-webhook-hmac-algorithm"] = "sha512"
        assert self.http is not None
        return await self.http.post("/webhook", content=raw, headers=sent_headers)

    async def start_service(self, name: str) -> None:
        """Start the ``name`` service (``store``, ``router``, ``ai``, ``handoff``) in the stack.

        What was published for it meanwhile waits on the bus, as for a service that
        was down or behind; it is stopped with the others.
        """
        service = _BUILDERS[name](self.env)
        self.services.append(service)  # stopped even if its start fails half-way
        await guarded(service.start(), f"the {name} service's start")

    async def stream_info(self) -> StreamInfo:
        nc = await nats.connect(servers(self.env["NATS_URL"]))
        try:
            return await nc.jetstream().stream_info(self.topology.stream)
        finally:
            await nc.close()


def _settings(kind: type[Any], env: Mapping[str, str]) -> Any:
    return settings_module.load(kind, env)


_BUILDERS: dict[str, Callable[[Mapping[str, str]], Any]] = {
    "router": lambda env: RouterService(_settings(RouterSettings, env), health_port=0),
    "ai": lambda env: AiService(_settings(AiSettings, env), health_port=0),
    "handoff": lambda env: HandoffService(_settings(HandoffSettings, env), health_port=0),
    "store": lambda env: StoreService(_settings(StoreSettings, env), health_port=0),
}


@contextlib.asynccontextmanager
async def running_stack(
    env: dict[str, str],
    *,
    only: tuple[str, ...] = ("store", "router", "ai", "handoff"),
    seeded: bool = True,
) -> AsyncIterator[Stack]:
    """Start the WAHA fake, the gateway and the ``only`` services; stop them all after.

    store starts first (it applies the migrations); with ``seeded`` the demo
    parish (:mod:`store.seed`) is loaded before the other services start.
    """
    waha = WahaFake(api_key=env["WAHA_API_KEY"])
    waha_server = await serve_fake(waha)
    env = {**env, "WAHA_URL": f"http://127.0.0.1:{waha_server.port}"}
    gateway = GatewayService(_settings(GatewaySettings, env), health_port=0, api_port=0)
    stack = Stack(env=env, waha=waha, gateway=gateway)
    try:
        await guarded(gateway.start(), "the gateway's start")
        ordered = sorted(only, key=lambda name: name != "store")
        for name in ordered:
            await stack.start_service(name)
            if name == "store" and seeded:
                await seed.seed_database(env["DATABASE_URL"], env["INTRINSIC_ID_KEY"], seed.load())
        # Idle connections are dropped before uvicorn's 5 s keep-alive ends them: a POST
        # on a connection the server is closing fails with ReadError (a pause of a few
        # seconds between two bursts, on a loaded machine, met exactly that).
        stack.http = httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{gateway.api_port}",
            limits=httpx.Limits(keepalive_expiry=1.0),
        )
        yield stack
    finally:
        if stack.http is not None:
            await stack.http.aclose()
        await guarded(stop_all(gateway, stack.services), "stopping the services")
        await guarded(waha_server.stop(), "stopping the WAHA stand-in")
        await delete_namespace(env["NATS_URL"], Topology(env["BUS_NAMESPACE"], 1))


async def stop_all(gateway: GatewayService, services: list[Any]) -> None:
    """Stop everything at once, the store last (the others may still ask it while they finish)."""
    store = [service for service in services if isinstance(service, StoreService)]
    others = [service for service in services if not isinstance(service, StoreService)]
    results = await asyncio.gather(
        gateway.stop(), *(service.stop() for service in others), return_exceptions=True
    )
    results += await asyncio.gather(*(service.stop() for service in store), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result


async def delete_namespace(nats_url: str, topology: Topology) -> None:
    """Remove a test namespace's streams and buckets from the shared server (best effort)."""
    with contextlib.suppress(Exception):
        await forget_namespace(nats_url, topology.namespace)
