"""Stopping a service while its fetches wait an hour: the stop ends within its grace period
(the fetches under way are let finish until then, then abandoned), and no message is lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from concierge_common import settings as settings_module
from concierge_common.bus.consumer import Delivery
from concierge_common.bus.runtime import Runtime, Subscription
from concierge_common.bus.topology import ConsumerSpec
from concierge_common.contracts.messages import BusMessage, MessageReceived
from concierge_common.settings import BusSettings
from support.bus_messages import numbered_message
from support.stack import delete_namespace

SPEC = ConsumerSpec("probe", "inbound")


class Received:
    def __init__(self) -> None:
        self.ids: list[str] = []
        self.arrived = asyncio.Event()

    async def __call__(self, message: BusMessage, delivery: Delivery) -> None:
        self.ids.append(message.message_id)
        self.arrived.set()


@pytest.fixture
def slow_fetch_settings(env: dict[str, str]) -> BusSettings:
    """A fetch that would wait an hour and an acknowledgement deadline as long:
    a stop not bounded by its grace period, or a message lost to an abandoned
    fetch, would hold the test until the suite's hang guard."""
    overrides = {"BUS_FETCH_TIMEOUT_SECONDS": "3600", "BUS_ACK_WAIT_SECONDS": "3600"}
    return settings_module.load(BusSettings, {**env, **overrides})


@pytest.fixture
async def namespace_removed(env: dict[str, str]) -> AsyncIterator[None]:
    yield
    config = settings_module.load(BusSettings, env)
    await delete_namespace(env["NATS_URL"], Runtime("probe", config, health_port=None).topology)


async def _consuming(config: BusSettings, handler: Received) -> Runtime:
    runtime = Runtime("probe", config, health_port=None)
    await runtime.start()
    await runtime.consume(Subscription(SPEC, (MessageReceived,), handler))
    return runtime


async def test_stop_does_not_wait_for_an_idle_fetch_past_its_grace_period(
    slow_fetch_settings: BusSettings, namespace_removed: None
) -> None:
    handler = Received()
    runtime = await _consuming(slow_fetch_settings, handler)
    await runtime.publisher.publish("inbound", numbered_message(1))
    await handler.arrived.wait()  # the loops are now idle in hour-long fetches
    await runtime.stop()
    assert handler.ids == [numbered_message(1).message_id]


async def test_a_message_published_after_a_stop_goes_to_the_next_consumer_at_once(
    slow_fetch_settings: BusSettings, namespace_removed: None
) -> None:
    first = Received()
    runtime = await _consuming(slow_fetch_settings, first)
    await runtime.stop()  # its pull requests are abandoned, not answered
    second = Received()
    replacement = await _consuming(slow_fetch_settings, second)
    try:
        await replacement.publisher.publish("inbound", numbered_message(2))
        await second.arrived.wait()
    finally:
        await replacement.stop()
    assert first.ids == []
    assert second.ids == [numbered_message(2).message_id]
