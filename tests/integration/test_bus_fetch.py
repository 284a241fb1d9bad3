"""A partition's fetches on a real bus: a lone message is not held waiting for a batch, and
a partition handed back leaves nothing it received pending on the server.

The fetch timeout is an hour and the ack deadline five minutes: a message held in a fetch
until it times out, or left pending for its ack deadline, would hold a test until the
suite's hang guard, so these tests fail by hanging, never by a measured time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from concierge_common import settings as settings_module
from concierge_common.bus.consumer import Capacity, Delivery, FlowConsumer
from concierge_common.bus.ownership import HandBack
from concierge_common.bus.publisher import Publisher
from concierge_common.bus.runtime import Runtime
from concierge_common.bus.settle import RetryPolicy
from concierge_common.bus.topology import ConsumerSpec, declare_consumers
from concierge_common.contracts.messages import BusMessage, Codec, MessageReceived
from concierge_common.settings import BusSettings
from support.bus_messages import numbered_message
from support.polling import eventually, guarded, wait_until
from support.stack import delete_namespace

SPEC = ConsumerSpec("probe", "inbound")
FETCH_TIMEOUT = 3600.0
ACK_WAIT = 300.0

Fetch = Callable[..., Awaitable[list[Msg]]]
MakeConsumer = Callable[..., FlowConsumer]


@dataclass
class FetchCall:
    batch: int
    timeout: float
    got: int | None = None  # None while under way, 0 when it timed out


@dataclass
class Fetches:
    """Every fetch made, and a gate that can hold a fetch's messages before it returns."""

    calls: list[FetchCall] = field(default_factory=list)
    hold: asyncio.Event | None = None
    caught: asyncio.Event = field(default_factory=asyncio.Event)

    def under_way(self) -> bool:
        return bool(self.calls) and self.calls[-1].got is None


class Handled:
    def __init__(self) -> None:
        self.ids: list[str] = []

    async def __call__(self, message: BusMessage, delivery: Delivery) -> None:
        self.ids.append(message.message_id)


@pytest.fixture
def fetches(monkeypatch: pytest.MonkeyPatch) -> Fetches:
    seen = Fetches()
    real: Fetch = JetStreamContext.PullSubscription.fetch

    async def recorded(self: Any, batch: int = 1, timeout: float = 5, **kwargs: Any) -> list[Msg]:
        call = FetchCall(batch, timeout)
        seen.calls.append(call)
        try:
            msgs = await real(self, batch, timeout, **kwargs)
        except TimeoutError:
            call.got = 0
            raise
        call.got = len(msgs)
        if seen.hold is not None and msgs:
            seen.caught.set()
            await seen.hold.wait()  # received, not yet returned: what a stop must not lose
        return msgs

    monkeypatch.setattr(JetStreamContext.PullSubscription, "fetch", recorded)
    return seen


@pytest.fixture
async def runtime(env: dict[str, str]) -> AsyncIterator[Runtime]:
    """A connected runtime without consumers of its own, for a one-partition topology."""
    overrides = {"BUS_PARTITIONS": "1", "BUS_ACK_WAIT_SECONDS": f"{ACK_WAIT:g}"}
    config = settings_module.load(BusSettings, {**env, **overrides})
    running = Runtime("probe", config, health_port=None, consumes=False)
    await running.start()
    await declare_consumers(running.nc.jetstream(), running.topology, config, (SPEC,))
    yield running
    await running.stop()
    await delete_namespace(env["NATS_URL"], running.topology)


@pytest.fixture
async def consumers(runtime: Runtime) -> AsyncIterator[MakeConsumer]:
    made: list[FlowConsumer] = []

    def consumer(
        handler: Handled, quarantine: float = ACK_WAIT, fetch_timeout: float = FETCH_TIMEOUT
    ) -> FlowConsumer:
        made.append(_consumer(runtime, handler, quarantine, fetch_timeout))
        made[-1].start()
        return made[-1]

    yield consumer
    for flow in made:
        await flow.abandon()
        await flow.close()


def _consumer(
    runtime: Runtime, handler: Handled, quarantine: float, fetch_timeout: float
) -> FlowConsumer:
    """``quarantine``: how long it waits before fetching when it finds deliveries pending."""
    return FlowConsumer(
        runtime.nc,
        runtime.topology,
        SPEC,
        Codec(MessageReceived),
        handler,
        policy=RetryPolicy(max_deliver=3, delays=(0.1,)),
        capacity=Capacity(concurrency=10, prefetch=100),
        fetch_timeout=fetch_timeout,
        ack_wait=quarantine,
    )


async def _publish(runtime: Runtime, *numbers: int) -> list[str]:
    publisher = Publisher(runtime.nc, runtime.topology)
    for number in numbers:
        await publisher.publish("inbound", numbered_message(number))
    return [numbered_message(number).message_id for number in numbers]


async def _ack_pending(runtime: Runtime) -> int:
    name = runtime.topology.consumer_name(SPEC, 0)
    info = await runtime.nc.jetstream().consumer_info(runtime.topology.stream, name)
    return int(info.num_ack_pending or 0)


async def test_a_lone_message_is_taken_by_a_fetch_that_waits_for_nothing_more(
    runtime: Runtime, consumers: MakeConsumer, fetches: Fetches
) -> None:
    handler = Handled()
    flow = consumers(handler)
    await flow.acquired(0, clean=False)
    await wait_until(fetches.under_way)  # the partition is idle, waiting for a message

    for number in (1, 2):  # the second comes after the partition went idle again
        await _publish(runtime, number)
        await wait_until(lambda n=number: len(handler.ids) == n)  # type: ignore[misc]
        await wait_until(fetches.under_way)

    # A fetch that may wait the whole timeout asks for one message: it returns when that
    # one comes instead of holding it for a batch to fill. Nothing waited behind either
    # message (the server says so with each delivery), so no batch was asked for either.
    assert all(call.batch == 1 and call.timeout == FETCH_TIMEOUT for call in fetches.calls)
    assert handler.ids == [numbered_message(1).message_id, numbered_message(2).message_id]


async def test_messages_waiting_behind_a_delivery_are_fetched_as_a_batch_that_waits_briefly(
    runtime: Runtime, consumers: MakeConsumer, fetches: Fetches
) -> None:
    waiting = await _publish(runtime, 1, 2, 3, 4, 5)  # before anyone owns the partition
    handler = Handled()
    flow = consumers(handler)
    await flow.acquired(0, clean=True)
    await wait_until(lambda: len(handler.ids) == len(waiting))

    first, second = fetches.calls[0], fetches.calls[1]
    assert (first.batch, first.got) == (1, 1)  # idle: one message, which had 4 behind it
    assert (second.batch > 1, second.timeout < FETCH_TIMEOUT) == (True, True)
    assert second.got == 4
    assert handler.ids == waiting


async def test_a_partition_handed_back_leaves_nothing_it_received_pending(
    runtime: Runtime, consumers: MakeConsumer, fetches: Fetches
) -> None:
    first, second = Handled(), Handled()
    # Its hand-back waits out its own fetches' requests on the server (short ones here).
    before = consumers(first, fetch_timeout=1.0)
    await before.acquired(0, clean=False)
    [early] = await _publish(runtime, 1)
    await wait_until(lambda: first.ids == [early])

    fetches.hold = asyncio.Event()
    late = await _publish(runtime, 2, 3, 4)
    await fetches.caught.wait()  # a fetch received some of them and has not returned yet
    releasing = asyncio.create_task(before.release(0))
    await asyncio.sleep(0)  # one turn of the loop: the hand-back has begun (it stops the lane)
    fetches.hold.set()
    assert await guarded(releasing, "the hand-back") is HandBack.CLEAN

    # What it received after the hand-back began went back to the server (nak): the next
    # owner gets it at once, not after the server's five-minute ack deadline. (NATS 2.9
    # counts a delivery handed back as pending until it is delivered again: only the clean
    # hand-over tells the next owner it need not wait its own five-minute ack deadline.)
    after = consumers(second)
    await after.acquired(0, clean=True)
    await wait_until(lambda: len(first.ids) + len(second.ids) == 4)
    assert first.ids == [early]
    assert second.ids == late  # each message once, in order
    await wait_until(lambda: not after.held)
    assert await eventually(lambda: _no_ack_pending(runtime))


async def _no_ack_pending(runtime: Runtime) -> bool:
    return await _ack_pending(runtime) == 0
