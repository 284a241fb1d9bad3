"""Request/reply over the real NATS: results, remote errors, outages, no responders."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import msgspec
import nats
import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from concierge_common.bus.rpc import Operation, RpcClient, RpcServer
from concierge_common.bus.topology import Topology
from concierge_common.contracts import store_api
from concierge_common.errors import (
    Conflict,
    DatabaseUnavailable,
    DownstreamRejected,
    DownstreamUnavailable,
    InvalidRequest,
    NotFound,
    Outage,
    RetryableError,
)
from support.infra import NATS_URL


class Ask(msgspec.Struct, frozen=True):
    key: str


class NotAnAsk(msgspec.Struct, frozen=True):
    key: int


class Answer(msgspec.Struct, frozen=True):
    key: str
    served_by: str


def _operations(name: str, seen: list[str]) -> list[Operation]:
    async def lookup(request: Ask) -> Answer:
        seen.append(name)
        if request.key == "missing":
            raise NotFound("no such key")
        if request.key == "taken":
            raise Conflict("key taken")
        if request.key == "boom":
            raise RuntimeError("a bug with a secret value 0612345678")
        if request.key == "db-down":
            raise DatabaseUnavailable("postgres unavailable during lookup: ConnectionRefusedError")
        if request.key == "busy":
            raise RetryableError("try again")
        return Answer(key=request.key, served_by=name)

    return [Operation("lookup", Ask, lookup)]


@pytest.fixture
async def nc() -> AsyncIterator[NATS]:
    conn = await nats.connect(NATS_URL)
    yield conn
    await conn.close()


async def _server(nc: NATS, topology: Topology, name: str, seen: list[str]) -> RpcServer:
    server = RpcServer("demo", _operations(name, seen))
    await server.start(nc, topology)
    await nc.flush()
    return server


async def test_call_returns_the_decoded_result(nc: NATS, namespace: str) -> None:
    topology = Topology(namespace, 4)
    server = await _server(nc, topology, "a", [])
    try:
        answer = await RpcClient(nc, topology).call("demo", "lookup", Ask("k1"), Answer)
    finally:
        await server.stop()
    assert answer == Answer(key="k1", served_by="a")


async def test_remote_errors_come_back_as_the_same_classes(nc: NATS, namespace: str) -> None:
    topology = Topology(namespace, 4)
    server = await _server(nc, topology, "a", [])
    client = RpcClient(nc, topology)
    try:
        with pytest.raises(NotFound, match="no such key"):
            await client.call("demo", "lookup", Ask("missing"), Answer)
        with pytest.raises(Conflict):
            await client.call("demo", "lookup", Ask("taken"), Answer)
        with pytest.raises(InvalidRequest) as unknown:
            await client.call("demo", "nope", Ask("k"), Answer)
        with pytest.raises(InvalidRequest) as invalid:
            await client.call("demo", "lookup", NotAnAsk(3), Answer)
        with pytest.raises(DownstreamRejected) as bug:
            await client.call("demo", "lookup", Ask("boom"), Answer)
    finally:
        await server.stop()
    assert unknown.value.status == 404
    assert invalid.value.status == 422
    assert bug.value.status == 500
    assert "0612345678" not in str(bug.value)  # internal details stay inside the server


async def test_an_operation_name_with_dots_is_routed_to_its_handler(
    nc: NATS, namespace: str
) -> None:
    topology = Topology(namespace, 4)

    async def fetch(request: Ask) -> Answer:
        return Answer(key=request.key, served_by="session.get")

    server = RpcServer("demo", [Operation("session.get", Ask, fetch)])
    await server.start(nc, topology)
    await nc.flush()
    try:
        answer = await RpcClient(nc, topology).call("demo", "session.get", Ask("k"), Answer)
    finally:
        await server.stop()
    assert answer == Answer(key="k", served_by="session.get")


async def test_no_replica_running_is_unavailable_not_a_hang(nc: NATS, namespace: str) -> None:
    client = RpcClient(nc, Topology(namespace, 4), timeout=1.0)
    with pytest.raises(DownstreamUnavailable):
        await client.call("demo", "lookup", Ask("k"), Answer)


async def test_replicas_share_requests_and_each_is_answered_once(nc: NATS, namespace: str) -> None:
    topology = Topology(namespace, 4)
    seen: list[str] = []
    servers = [await _server(nc, topology, name, seen) for name in ("a", "b")]
    client = RpcClient(nc, topology)
    try:
        answers = await asyncio.gather(
            *(client.call("demo", "lookup", Ask(f"k{i}"), Answer) for i in range(40))
        )
    finally:
        for server in servers:
            await server.stop()
    assert [a.key for a in answers] == [f"k{i}" for i in range(40)]
    assert len(seen) == 40  # one handler run per request, not one per replica
    assert {a.served_by for a in answers} == {"a", "b"}


async def test_an_outage_raised_by_an_operation_is_the_same_outage_at_the_caller(
    nc: NATS, namespace: str
) -> None:
    topology = Topology(namespace, 4)
    server = await _server(nc, topology, "a", [])
    client = RpcClient(nc, topology)
    try:
        with pytest.raises(DatabaseUnavailable) as outage:
            await client.call("demo", "lookup", Ask("db-down"), Answer)
        with pytest.raises(DownstreamUnavailable) as busy:
            await client.call("demo", "lookup", Ask("busy"), Answer)
    finally:
        await server.stop()
    assert isinstance(outage.value, Outage)  # the caller's bus retries it without limit
    assert "lookup" in str(outage.value)
    assert not isinstance(busy.value, Outage)  # a plain retryable error stays one
    assert busy.value.status == 503


async def test_no_store_replica_running_is_an_outage_for_the_caller(
    nc: NATS, namespace: str
) -> None:
    topology = Topology(namespace, 4)
    with pytest.raises(Outage) as outage:
        await RpcClient(nc, topology).call(store_api.SERVICE, "lookup", Ask("k"), Answer)
    assert "no store replica answers lookup" in str(outage.value)
    # A caller may say the store is not essential to it: then it is a plain 503.
    optional = RpcClient(nc, topology, essential=())
    with pytest.raises(DownstreamUnavailable):
        await optional.call(store_api.SERVICE, "lookup", Ask("k"), Answer)


async def test_a_store_that_does_not_answer_in_time_is_an_outage_for_the_caller(
    nc: NATS, namespace: str
) -> None:
    topology = Topology(namespace, 4)
    taken = asyncio.Event()
    release = asyncio.Event()

    async def stuck(request: Ask) -> Answer:
        taken.set()
        await release.wait()  # the store waiting for a database that does not answer
        return Answer(key=request.key, served_by="late")

    server = RpcServer(store_api.SERVICE, [Operation("lookup", Ask, stuck)])
    await server.start(nc, topology)
    await nc.flush()
    # The client's timeout is the product setting under test, not a guess at speed.
    client = RpcClient(nc, topology, timeout=0.5)
    try:
        with pytest.raises(Outage) as outage:
            await client.call(store_api.SERVICE, "lookup", Ask("k"), Answer)
        assert taken.is_set()
    finally:
        release.set()
        await server.stop()
    assert "store did not answer lookup" in str(outage.value)
    assert type(outage.value) is Outage  # neither the store nor its database can be told apart


def _gated_operations(gate: asyncio.Event, started: asyncio.Event) -> list[Operation]:
    async def lookup(request: Ask) -> Answer:
        if request.key == "slow":
            started.set()
            await gate.wait()
        return Answer(key=request.key, served_by="gated")

    return [Operation("lookup", Ask, lookup)]


async def test_a_slow_request_holds_up_no_other_request(nc: NATS, namespace: str) -> None:
    topology = Topology(namespace, 4)
    gate, started = asyncio.Event(), asyncio.Event()
    server = RpcServer("demo", _gated_operations(gate, started))
    await server.start(nc, topology)
    await nc.flush()
    client = RpcClient(nc, topology, timeout=60)
    try:
        slow = asyncio.create_task(client.call("demo", "lookup", Ask("slow"), Answer))
        await started.wait()
        quick = await client.call("demo", "lookup", Ask("quick"), Answer)
        assert not slow.done()
        gate.set()
        assert (await slow).key == "slow"
    finally:
        gate.set()
        await server.stop()
    assert quick.key == "quick"


async def test_a_stopping_server_finishes_the_requests_it_is_answering(
    nc: NATS, namespace: str
) -> None:
    topology = Topology(namespace, 4)
    gate, started = asyncio.Event(), asyncio.Event()
    server = RpcServer("demo", _gated_operations(gate, started))
    await server.start(nc, topology)
    await nc.flush()
    slow = asyncio.create_task(
        RpcClient(nc, topology, timeout=60).call("demo", "lookup", Ask("slow"), Answer)
    )
    await started.wait()
    stopping = asyncio.create_task(server.stop())
    gate.set()
    await stopping
    assert (await slow).key == "slow"


async def test_each_replica_is_a_micro_service_found_by_ping(nc: NATS, namespace: str) -> None:
    topology = Topology(namespace, 4)
    server = await _server(nc, topology, "a", [])
    try:
        pong = await nc.request(f"$SRV.PING.concierge_{namespace}_demo", b"", timeout=5)
    finally:
        await server.stop()
    assert msgspec.json.decode(pong.data)["name"] == f"concierge_{namespace}_demo"


async def test_a_client_sends_at_most_its_limit_of_requests_at_once(
    nc: NATS, namespace: str
) -> None:
    topology = Topology(namespace, 4)
    gate, started = asyncio.Event(), asyncio.Event()
    server = RpcServer("demo", _gated_operations(gate, started))
    await server.start(nc, topology)
    await nc.flush()
    client = RpcClient(nc, topology, timeout=60, max_in_flight=1)
    seen: list[str] = []
    marked = asyncio.Event()
    sniffer = await nc.subscribe(topology.rpc_subject("demo", ">"), cb=_recorder(seen, marked))
    try:
        slow = asyncio.create_task(client.call("demo", "lookup", Ask("slow"), Answer))
        await started.wait()
        quick = asyncio.create_task(client.call("demo", "lookup", Ask("quick"), Answer))
        for _ in range(5):
            await asyncio.sleep(0)  # the quick call runs up to its slot and waits there
        # Delivered in the order published: once the marker is seen, so is anything before it.
        await nc.publish(topology.rpc_subject("demo", "marker"), b"")
        await marked.wait()
        assert seen == [topology.rpc_subject("demo", "lookup")]  # quick not sent yet
        gate.set()
        assert (await slow).key == "slow"
        assert (await quick).key == "quick"
    finally:
        gate.set()
        await sniffer.unsubscribe()
        await server.stop()


def _recorder(seen: list[str], marked: asyncio.Event) -> Callable[[Msg], Awaitable[None]]:
    async def record(msg: Msg) -> None:
        if msg.subject.endswith(".marker"):
            marked.set()
        else:
            seen.append(msg.subject)

    return record
