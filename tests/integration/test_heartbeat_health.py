"""``GET /health`` and its details from real heartbeats: five services' runtimes on the
real NATS, the store's check on the real PostgreSQL, the router's on the real Redis.

The public ``/health`` says ``ok`` or ``unavailable`` only; the details (components,
replicas) are at ``/health/details`` for an admin token."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from redis.asyncio import Redis

from concierge_common import settings as settings_module
from concierge_common.bus.consumer import Delivery
from concierge_common.bus.runtime import Runtime, Subscription
from concierge_common.bus.topology import ConsumerSpec, Topology
from concierge_common.contracts.messages import BusMessage, ProcessingFailed
from concierge_common.settings import BusSettings
from gateway.service import GatewayService
from gateway.settings import GatewaySettings
from support.api import api_env, as_role
from support.infra import NATS_URL, POSTGRES_ADMIN_URL, REDIS_URL
from support.polling import HANG_GUARD
from support.stack import delete_namespace

Check = Callable[[], Awaitable[bool]]


async def _postgres_answers() -> bool:
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        return bool(await conn.fetchval("SELECT 1") == 1)
    finally:
        await conn.close()


async def _redis_answers() -> bool:
    redis = Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        return bool(await redis.ping())
    finally:
        await redis.aclose()


CHECKS: dict[str, dict[str, Check]] = {
    "store": {"postgres": _postgres_answers},
    "router": {"redis": _redis_answers},
}


class Concierge:
    """The gateway service and bare runtimes of the four other services."""

    def __init__(self, env: dict[str, str]) -> None:
        self.bus = settings_module.load(BusSettings, env)
        self.gateway = GatewayService(
            settings_module.load(GatewaySettings, env), health_port=0, api_port=0
        )
        self.runtimes: dict[str, Runtime] = {}

    async def start(
        self, service: str, name: str | None = None, *, consumes: bool = False
    ) -> Runtime:
        """A bare runtime of ``service``; ``consumes``: not ready until it consumes."""
        runtime = Runtime(service, self.bus, health_port=None, consumes=consumes)
        await runtime.start()
        for check, probe in CHECKS.get(service, {}).items():
            runtime.readiness.add(check, probe)
        self.runtimes[name or service] = runtime
        return runtime

    async def health(self) -> httpx.Response:
        """The details (an admin's view)."""
        url = f"http://127.0.0.1:{self.gateway.api_port}/health/details"
        async with httpx.AsyncClient() as http:
            return await http.get(url, headers=as_role("admin"))

    async def public_health(self) -> httpx.Response:
        async with httpx.AsyncClient() as http:
            return await http.get(f"http://127.0.0.1:{self.gateway.api_port}/health")

    async def health_until(
        self, status: int, seen: Callable[[dict[str, Any]], bool] = lambda body: True
    ) -> httpx.Response:
        """Poll ``/health`` until it answers ``status`` with a body ``seen`` accepts.

        The last answer is returned when the hang guard runs out (the test then shows it).
        """
        deadline = time.monotonic() + HANG_GUARD
        while True:
            response = await self.health()
            done = response.status_code == status and seen(response.json())
            if done or time.monotonic() > deadline:
                return response
            await asyncio.sleep(0.1)


@pytest.fixture
async def concierge(namespace: str) -> AsyncIterator[Concierge]:
    # A replica is forgotten after three missed heartbeats: at 1 s, a live one is only
    # forgotten if its event loop stalls for 3 s (0.3 s made that 0.9 s: a loaded machine).
    env = api_env(namespace, BUS_HEARTBEAT_SECONDS="1", GATEWAY_ROLES="api")
    running = Concierge(env)
    await running.gateway.start()
    try:
        for service in ("router", "ai", "handoff", "store"):
            await running.start(service)
        yield running
    finally:
        for runtime in running.runtimes.values():
            with contextlib.suppress(Exception):
                await runtime.stop()
        await running.gateway.stop()
        await delete_namespace(NATS_URL, Topology(namespace, 1))


async def test_health_is_ok_when_all_five_services_report_ready(concierge: Concierge) -> None:
    response = await concierge.health_until(200)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["down"] == []
    assert body["components"] == {
        name: "up"
        for name in ("gateway", "router", "ai", "handoff", "store", "nats", "postgres", "redis")
    }
    assert body["replicas"]["router"] == {"reporting": 1, "ready": 1}
    public = await concierge.public_health()
    assert (public.status_code, public.json()) == (200, {"status": "ok"})


async def test_a_stopped_service_makes_health_503_naming_it(concierge: Concierge) -> None:
    assert (await concierge.health_until(200)).status_code == 200
    await concierge.runtimes.pop("handoff").stop()
    response = await concierge.health_until(503)
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["down"] == ["handoff"]
    assert response.json()["components"]["handoff"] == "down"
    public = await concierge.public_health()
    assert (public.status_code, public.json()) == (503, {"status": "unavailable"})


async def test_the_details_need_an_admin_token(concierge: Concierge) -> None:
    url = f"http://127.0.0.1:{concierge.gateway.api_port}/health/details"
    async with httpx.AsyncClient() as http:
        anonymous = await http.get(url)
        agent = await http.get(url, headers=as_role("agent"))
    assert (anonymous.status_code, agent.status_code) == (401, 403)


async def test_stopping_the_store_takes_postgres_out_of_sight(concierge: Concierge) -> None:
    assert (await concierge.health_until(200)).status_code == 200
    await concierge.runtimes.pop("store").stop()
    # The store is down at once; its last check of PostgreSQL counts until its key expires.
    response = await concierge.health_until(503, lambda body: "postgres" in body["down"])
    # The router still reaches Redis; nobody else checks PostgreSQL.
    assert response.json()["down"] == ["postgres", "store"]


async def test_a_replica_that_vanishes_silently_ages_out(concierge: Concierge) -> None:
    assert (await concierge.health_until(200)).status_code == 200
    await concierge.runtimes["ai"].nc.close()  # no last heartbeat: as if the process died
    # On a loaded machine another replica's heartbeat may be late for a moment too: the
    # wait is for the state where only the silent one is down (it never comes back).
    response = await concierge.health_until(503, lambda body: body["down"] == ["ai"])
    assert response.json()["down"] == ["ai"]


async def test_another_ready_replica_keeps_the_service_up(concierge: Concierge) -> None:
    await concierge.start("ai", name="ai-2")
    both = await concierge.health_until(
        200, lambda body: body["replicas"]["ai"] == {"reporting": 2, "ready": 2}
    )
    assert both.json()["replicas"]["ai"] == {"reporting": 2, "ready": 2}
    await concierge.runtimes.pop("ai").stop()
    # The stopped replica says it is not ready (then its key expires); the other one is.
    response = await concierge.health_until(200, lambda body: body["replicas"]["ai"]["ready"] == 1)
    assert response.status_code == 200
    assert response.json()["replicas"]["ai"]["ready"] == 1
    assert response.json()["components"]["ai"] == "up"


async def _ignore(message: BusMessage, delivery: Delivery) -> None:
    raise AssertionError("no message flows in this test")


async def test_a_replica_is_not_reported_ready_before_its_consumers_run(
    concierge: Concierge,
) -> None:
    late = await concierge.start("handoff", name="handoff-2", consumes=True)
    waiting = await concierge.health_until(
        200, lambda body: body["replicas"]["handoff"]["reporting"] == 2
    )
    # Connected and heart-beating, but not consuming yet: counted, not ready.
    assert waiting.json()["replicas"]["handoff"] == {"reporting": 2, "ready": 1}
    spec = ConsumerSpec("handoff", "failed")
    await late.consume(Subscription(spec, (ProcessingFailed,), _ignore))
    both = await concierge.health_until(
        200, lambda body: body["replicas"]["handoff"] == {"reporting": 2, "ready": 2}
    )
    assert both.json()["replicas"]["handoff"] == {"reporting": 2, "ready": 2}
