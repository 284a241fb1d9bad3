"""Handing a partition over on a real bus, without waiting when nothing needs waiting for.

A replica that hands a partition back cleanly (everything it held acked or handed back,
nak) says so in the lease, and the next owner fetches at once: what was handed back is
due again and comes back first. A replica stopped while it was still waiting out a dead
predecessor's deliveries says it could not, and the next owner waits one ack deadline.

The clean cases use a five-minute ack deadline: a next owner that waited it would hold
the test until the hang guard. The unsettled case uses a short one and asserts order.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import nats.errors
import pytest
from nats.js import JetStreamContext
from nats.js.api import ConsumerInfo

from concierge_common import ids
from concierge_common import settings as settings_module
from concierge_common.bus import assignment
from concierge_common.bus.consumer import Capacity, Delivery, FlowConsumer
from concierge_common.bus.ownership import HandBack
from concierge_common.bus.runtime import Runtime, Subscription
from concierge_common.bus.settle import RetryPolicy
from concierge_common.bus.topology import ConsumerSpec, declare_consumers
from concierge_common.contracts.messages import BusMessage, Codec, MessageReceived
from concierge_common.errors import RetryableError
from concierge_common.settings import BusSettings
from support.bus_messages import numbered_message
from support.polling import guarded, wait_until
from support.stack import delete_namespace

SPEC = ConsumerSpec("probe", "inbound")
LONG_ACK_WAIT = 300.0
SHORT_ACK_WAIT = 2.0
PARTITIONS = 4
PEOPLE = range(1, 17)

Bus = Callable[[float], Awaitable[Runtime]]


def _message(person: int, number: int) -> MessageReceived:
    return numbered_message(person * 1000 + number, phone=f"336000{person:05d}")


class Handled:
    """Records what was handled per conversation; the first attempt of some messages fails."""

    def __init__(self, failing: frozenset[str] = frozenset()) -> None:
        self.by_conversation: dict[str, list[str]] = defaultdict(list)
        self.failing = set(failing)
        self.failed: set[str] = set()

    async def __call__(self, message: BusMessage, delivery: Delivery) -> None:
        if message.message_id in self.failing:
            self.failing.discard(message.message_id)
            self.failed.add(message.message_id)
            raise RetryableError("not now")
        self.by_conversation[message.conversation_id].append(message.message_id)

    @property
    def count(self) -> int:
        return sum(len(handled) for handled in self.by_conversation.values())


@pytest.fixture
async def bus(env: dict[str, str]) -> AsyncIterator[Bus]:
    """A runtime without consumers of its own, on a one-partition topology."""
    started: list[Runtime] = []

    async def start(ack_wait: float) -> Runtime:
        overrides = {"BUS_PARTITIONS": "1", "BUS_ACK_WAIT_SECONDS": f"{ack_wait:g}"}
        config = settings_module.load(BusSettings, {**env, **overrides})
        running = Runtime("probe", config, health_port=None, consumes=False)
        started.append(running)
        await running.start()
        await declare_consumers(running.nc.jetstream(), running.topology, config, (SPEC,))
        return running

    yield start
    for running in started:
        await running.stop()
        await delete_namespace(env["NATS_URL"], running.topology)


async def _publish(runtime: Runtime, *messages: MessageReceived) -> list[str]:
    for message in messages:
        await runtime.publisher.publish("inbound", message)
    return [message.message_id for message in messages]


async def _pull(runtime: Runtime) -> JetStreamContext.PullSubscription:
    name = runtime.topology.consumer_name(SPEC, 0)
    return await runtime.nc.jetstream().pull_subscribe_bind(name, runtime.topology.stream)


async def test_handed_back_deliveries_come_back_first_in_the_order_they_were_handed_back(
    bus: Bus,
) -> None:
    """What the clean hand-over relies on, checked on this server rather than assumed."""
    runtime = await bus(LONG_ACK_WAIT)
    first = await _publish(runtime, *(_message(1, n) for n in range(1, 5)))
    sub = await _pull(runtime)
    held = await sub.fetch(4, timeout=5)
    assert [m.metadata.sequence.stream for m in held] == sorted(
        m.metadata.sequence.stream for m in held
    )
    await held[0].ack_sync()
    for msg in held[1:]:
        await msg.nak()
    await sub.unsubscribe()
    newer = await _publish(runtime, _message(1, 5), _message(1, 6))

    info = await runtime.nc.jetstream().consumer_info(
        runtime.topology.stream, runtime.topology.consumer_name(SPEC, 0)
    )
    assert info.num_ack_pending == 3  # NATS 2.9: handed back, still counted as pending

    again = await _pull(runtime)
    got: list[str] = []
    while len(got) < 5:
        got += [_decoded_id(msg.data) for msg in await again.fetch(5 - len(got), timeout=5)]
    assert got == first[1:] + newer  # the ones handed back first, then the newer ones
    await again.unsubscribe()


def _decoded_id(data: bytes) -> str:
    message = Codec(MessageReceived).decode(data)
    assert isinstance(message, MessageReceived)
    return message.message_id


def _consumer(runtime: Runtime, handler: Handled, quarantine: float) -> FlowConsumer:
    """``quarantine``: how long it waits before fetching when it finds deliveries pending."""
    flow = FlowConsumer(
        runtime.nc,
        runtime.topology,
        SPEC,
        Codec(MessageReceived),
        handler,
        policy=RetryPolicy(max_deliver=3, delays=(0.1,)),
        capacity=Capacity(concurrency=10, prefetch=100),
        fetch_timeout=0.5,
        ack_wait=quarantine,
    )
    flow.start()
    return flow


async def _end(*flows: FlowConsumer) -> None:
    for flow in flows:
        await flow.abandon()
        await flow.close()


@pytest.fixture
def inquiries(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Set once a consumer has asked the server what is pending for a partition."""
    asked = asyncio.Event()
    real = JetStreamContext.consumer_info

    async def recorded(self: Any, *args: Any, **kwargs: Any) -> ConsumerInfo:
        info: ConsumerInfo = await real(self, *args, **kwargs)
        asked.set()
        return info

    monkeypatch.setattr(JetStreamContext, "consumer_info", recorded)
    return asked


async def test_an_owner_stopped_while_waiting_for_a_dead_one_leaves_the_next_one_waiting(
    bus: Bus, inquiries: asyncio.Event
) -> None:
    runtime = await bus(SHORT_ACK_WAIT)
    early = await _publish(runtime, _message(1, 1), _message(1, 2))
    dead = await _pull(runtime)
    assert len(await dead.fetch(2, timeout=5)) == 2  # held by an owner that then died
    await dead.unsubscribe()

    # The next owner finds them pending and waits (here far longer than they take to
    # come back); it is stopped before its wait is over.
    waiting = _consumer(runtime, Handled(), quarantine=3600)
    await waiting.acquired(0, clean=False)
    await inquiries.wait()
    assert await guarded(waiting.release(0), "the hand-back") is HandBack.UNSETTLED

    late = await _publish(runtime, _message(1, 3))
    handler = Handled()
    last = _consumer(runtime, handler, quarantine=SHORT_ACK_WAIT)
    try:
        await last.acquired(0, clean=False)  # what a free-unsettled lease says
        await wait_until(lambda: handler.count == 3)
    finally:
        await _end(waiting, last)
    # It waited for the dead owner's deliveries to come back before fetching the newer one.
    assert handler.by_conversation[_message(1, 1).conversation_id] == early + late


@pytest.fixture
async def replicas(env: dict[str, str]) -> AsyncIterator[list[Runtime]]:
    started: list[Runtime] = []
    yield started
    await asyncio.gather(*(runtime.stop() for runtime in started))
    config = _replica_settings(env)
    await delete_namespace(env["NATS_URL"], Runtime("probe", config, health_port=None).topology)


def _replica_settings(env: dict[str, str]) -> BusSettings:
    """A five-minute ack deadline, and a retry that would wait an hour: a partition moving
    with a delivery waiting to be retried hands it back with the rest of its conversation."""
    overrides = {
        "BUS_PARTITIONS": str(PARTITIONS),
        "BUS_ACK_WAIT_SECONDS": f"{LONG_ACK_WAIT:g}",
        "BUS_LEASE_SECONDS": "1.5",
        "BUS_RETRY_DELAYS": "3600",
        "BUS_FETCH_TIMEOUT_SECONDS": "0.5",
    }
    return settings_module.load(BusSettings, {**env, **overrides})


async def _replica(
    env: dict[str, str], handler: Handled, started: list[Runtime], *, joins: Runtime | None = None
) -> Runtime:
    """A replica; one that ``joins`` another is one that takes some of its partitions."""
    runtime = Runtime("probe", _replica_settings(env), health_port=None)
    while joins is not None and not _share(runtime, joins):  # its share depends on its id
        runtime = Runtime("probe", _replica_settings(env), health_port=None)
    started.append(runtime)
    await runtime.start()
    await runtime.consume(Subscription(SPEC, (MessageReceived,), handler))
    return runtime


async def test_a_replica_joining_takes_its_share_at_once_with_messages_in_flight(
    env: dict[str, str], replicas: list[Runtime]
) -> None:
    people = PEOPLE
    firsts = frozenset(_message(p, 1).message_id for p in people)
    first_handler = Handled(failing=firsts)  # every conversation's first waits for a retry
    first = await _replica(env, first_handler, replicas)
    await _publish(first, *(_message(p, n) for n in (1, 2) for p in people))
    await wait_until(lambda: first_handler.failed == firsts)  # all held, none handled

    second_handler = Handled()
    second = await _replica(env, second_handler, replicas, joins=first)
    share = _share(second, first)
    await wait_until(lambda: second.owned_partitions == share)
    moved = [p for p in people if _partition(p) in share]
    await _publish(first, *(_message(p, 3) for p in moved))

    # The first replica handed the moved partitions back cleanly (their held deliveries
    # nak'd): the second fetches at once instead of waiting the five-minute ack deadline.
    await wait_until(lambda: second_handler.count == 3 * len(moved))
    for person in moved:
        conversation = _message(person, 1).conversation_id
        assert second_handler.by_conversation[conversation] == [
            _message(person, n).message_id for n in (1, 2, 3)
        ]
        assert conversation not in first_handler.by_conversation


def _partition(person: int) -> int:
    return ids.partition(_message(person, 1).conversation_id, PARTITIONS)


def _share(joining: Runtime, running: Runtime) -> frozenset[int]:
    """The partitions ``joining`` takes from ``running``, and there are conversations in."""
    replicas = {joining.instance, running.instance}
    mine = assignment.wanted("probe", PARTITIONS, replicas, joining.instance)
    return mine if mine & {_partition(p) for p in PEOPLE} else frozenset()


async def test_a_clean_release_leaves_no_ack_pending_on_the_server(bus: Bus) -> None:
    """Acks are sent without waiting for each one's answer; the release confirms them all
    (a ping after them), so the server holds nothing pending when the lease is freed."""
    runtime = await bus(LONG_ACK_WAIT)
    sent = await _publish(runtime, *(_message(person, 1) for person in PEOPLE))
    handler = Handled()
    flow = _consumer(runtime, handler, quarantine=LONG_ACK_WAIT)
    try:
        await flow.acquired(0, clean=True)
        await wait_until(lambda: handler.count == len(sent))
        assert await guarded(flow.release(0), "the hand-back") is HandBack.CLEAN
        info = await runtime.nc.jetstream().consumer_info(
            runtime.topology.stream, runtime.topology.consumer_name(SPEC, 0)
        )
    finally:
        await _end(flow)
    assert info.num_ack_pending == 0
    assert info.ack_floor.stream_seq == info.delivered.stream_seq


async def test_a_release_whose_acks_cannot_be_confirmed_is_unsettled(
    bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = await bus(LONG_ACK_WAIT)
    await _publish(runtime, _message(1, 1))
    handler = Handled()
    flow = _consumer(runtime, handler, quarantine=LONG_ACK_WAIT)

    async def no_pong(timeout: int = 5) -> None:
        raise nats.errors.TimeoutError

    try:
        await flow.acquired(0, clean=True)
        await wait_until(lambda: handler.count == 1)
        monkeypatch.setattr(runtime.nc, "flush", no_pong)
        assert await guarded(flow.release(0), "the hand-back") is HandBack.UNSETTLED
    finally:
        monkeypatch.undo()
        await _end(flow)
