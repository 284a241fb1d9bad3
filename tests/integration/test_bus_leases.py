"""Partition leases on a real bus: one that ran out unclaimed is taken back without moving
the partition; one somebody else holds stops the partition here; the next owner learns
whether the last one handed the partition over cleanly."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from concierge_common import settings as settings_module
from concierge_common.bus.consumer import Delivery
from concierge_common.bus.leases import Leases
from concierge_common.bus.runtime import Runtime, Subscription
from concierge_common.bus.topology import ConsumerSpec
from concierge_common.contracts.messages import BusMessage, MessageReceived
from concierge_common.settings import BusSettings
from support.polling import eventually, wait_until
from support.stack import delete_namespace

SPEC = ConsumerSpec("probe", "inbound")
PARTITION = 3


async def _ignore(message: BusMessage, delivery: Delivery) -> None:
    return None


@pytest.fixture
async def runtime(env: dict[str, str]) -> AsyncIterator[Runtime]:
    config = settings_module.load(BusSettings, {**env, "BUS_LEASE_SECONDS": "1.5"})
    running = Runtime("probe", config, health_port=None)
    await running.start()
    await running.consume(Subscription(SPEC, (MessageReceived,), _ignore))
    yield running
    await running.stop()
    await delete_namespace(env["NATS_URL"], running.topology)


async def _leases(runtime: Runtime) -> KeyValue:
    return await runtime.nc.jetstream().key_value(runtime.topology.lease_bucket)


async def _holder(kv: KeyValue) -> bytes | None:
    try:
        entry = await kv.get(f"probe.{PARTITION}")
    except KeyNotFoundError:
        return None
    return entry.value


async def test_a_lease_that_ran_out_unclaimed_is_taken_back_and_the_partition_stays(
    runtime: Runtime,
) -> None:
    kv = await _leases(runtime)
    mine = await _holder(kv)
    assert mine == f"held:{runtime.instance}".encode()
    before = (await kv.get(f"probe.{PARTITION}")).revision or 0

    async def taken_back() -> bool:
        entry = await kv.get(f"probe.{PARTITION}") if await _holder(kv) else None
        return entry is not None and entry.value == mine and (entry.revision or 0) > before

    gaps: list[frozenset[int]] = []

    async def watch() -> None:  # the partition must never stop in between
        while True:
            if PARTITION not in runtime.owned_partitions:
                gaps.append(runtime.owned_partitions)
            await asyncio.sleep(0.005)

    watcher = asyncio.create_task(watch())
    await kv.purge(f"probe.{PARTITION}")  # as if the bucket had lost it (an election)
    try:
        await eventually(taken_back)
    finally:
        watcher.cancel()
    assert gaps == []
    assert PARTITION in runtime.owned_partitions


async def _hold_as_someone_else(kv: KeyValue, stop: asyncio.Event) -> None:
    """Another replica holding the lease: it keeps renewing it until told to stop."""
    await kv.purge(f"probe.{PARTITION}")
    await kv.create(f"probe.{PARTITION}", b"held:someone-else")
    while not stop.is_set():
        await kv.put(f"probe.{PARTITION}", b"held:someone-else")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=0.2)


async def test_a_lease_somebody_else_holds_stops_the_partition_here(runtime: Runtime) -> None:
    kv = await _leases(runtime)
    stop = asyncio.Event()
    other = asyncio.create_task(_hold_as_someone_else(kv, stop))
    try:
        await wait_until(lambda: PARTITION not in runtime.owned_partitions)
    finally:
        stop.set()
        await other
    # Once the other replica is gone (its lease runs out), this one takes it again.
    await wait_until(lambda: PARTITION in runtime.owned_partitions)


async def test_the_next_owner_learns_whether_the_lease_was_handed_over_cleanly(
    runtime: Runtime,
) -> None:
    kv = await _leases(runtime)  # a service of its own: the runtime's partitions are not touched
    first, second = Leases(kv, "other", "first"), Leases(kv, "other", "second")

    taken = await first.acquire(0)  # never held: whatever a dead owner left may be pending
    assert taken is not None
    assert not taken.clean
    assert await second.acquire(0) is None  # held
    await first.release(0, taken.revision, clean=True)

    again = await second.acquire(0)
    assert again is not None
    assert again.clean
    await second.release(0, again.revision, clean=False)  # some may stay pending a while

    last = await first.acquire(0)
    assert last is not None
    assert not last.clean
