"""Conversations as actors on a real bus: concurrent across conversations, ordered within one,
shared between replicas, and an outage waits without dead-lettering."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator

import pytest

from concierge_common import settings as settings_module
from concierge_common.bus.consumer import Delivery
from concierge_common.bus.runtime import Runtime, Subscription
from concierge_common.bus.topology import ConsumerSpec
from concierge_common.contracts.messages import BusMessage, MessageReceived
from concierge_common.errors import DatabaseUnavailable
from concierge_common.settings import BusSettings
from support.bus_messages import numbered_message
from support.polling import guarded, wait_until
from support.settling import drained
from support.stack import delete_namespace

SPEC = ConsumerSpec("probe", "inbound")


def _message(person: int, number: int) -> MessageReceived:
    return numbered_message(person * 1000 + number, phone=f"336000{person:05d}")


class Handled:
    """Records what was handled per conversation; some conversations wait for a gate."""

    def __init__(self) -> None:
        self.by_conversation: dict[str, list[str]] = defaultdict(list)
        self.gates: dict[str, asyncio.Event] = {}
        self.running: set[str] = set()
        self.most_at_once = 0
        self.failures: dict[str, int] = {}
        self.attempts: dict[str, list[int]] = defaultdict(list)

    @property
    def count(self) -> int:
        return sum(len(ids) for ids in self.by_conversation.values())

    async def __call__(self, message: BusMessage, delivery: Delivery) -> None:
        conversation = message.conversation_id
        assert conversation not in self.running, "one conversation handled twice at once"
        self.running.add(conversation)
        self.most_at_once = max(self.most_at_once, len(self.running))
        self.attempts[message.message_id].append(delivery.attempt)
        try:
            gate = self.gates.get(conversation)
            if gate is not None:
                await gate.wait()
            if self.failures.get(message.message_id, 0) > 0:
                self.failures[message.message_id] -= 1
                raise DatabaseUnavailable("the database refuses connections")
            await asyncio.sleep(0)
            self.by_conversation[conversation].append(message.message_id)
        finally:
            self.running.discard(conversation)


@pytest.fixture
def bus_settings(env: dict[str, str]) -> BusSettings:
    """Two attempts before a dead letter. Leases long enough that an event loop stalled by a
    loaded machine (two suites on two cores) does not let one run out under its owner: these
    tests are about sharing and order, and a partition that moved would redeliver its
    in-flight messages. A replica that joins or leaves is heard within a tick (a third of it)."""
    overrides = {"BUS_MAX_DELIVER": "2", "BUS_LEASE_SECONDS": "6"}
    return settings_module.load(BusSettings, {**env, **overrides})


@pytest.fixture
async def replicas(bus_settings: BusSettings, env: dict[str, str]) -> AsyncIterator[list[Runtime]]:
    started: list[Runtime] = []
    yield started
    await asyncio.gather(*(runtime.stop() for runtime in started))
    await delete_namespace(
        env["NATS_URL"], Runtime("probe", bus_settings, health_port=None).topology
    )


async def _replica(config: BusSettings, handler: Handled, started: list[Runtime]) -> Runtime:
    runtime = Runtime("probe", config, health_port=None)
    started.append(runtime)
    await runtime.start()
    await runtime.consume(Subscription(SPEC, (MessageReceived,), handler))
    return runtime


async def _publish(runtime: Runtime, messages: list[MessageReceived]) -> None:
    for message in messages:
        await runtime.publisher.publish("inbound", message)


async def test_a_conversation_that_waits_holds_up_no_other_conversation(
    bus_settings: BusSettings, replicas: list[Runtime]
) -> None:
    handler = Handled()
    runtime = await _replica(bus_settings, handler, replicas)
    slow = _message(0, 1)
    handler.gates[slow.conversation_id] = asyncio.Event()
    others = [_message(person, 1) for person in range(1, 41)]
    await _publish(runtime, [slow, _message(0, 2), *others])

    await wait_until(lambda: handler.count == len(others))
    assert slow.conversation_id not in handler.by_conversation  # still waiting, its 2nd too
    handler.gates[slow.conversation_id].set()
    await wait_until(lambda: handler.count == len(others) + 2)
    assert handler.by_conversation[slow.conversation_id] == [
        slow.message_id,
        _message(0, 2).message_id,
    ]


async def test_many_conversations_run_at_once_each_in_the_order_it_was_written(
    bus_settings: BusSettings, replicas: list[Runtime]
) -> None:
    handler = Handled()
    runtime = await _replica(bus_settings, handler, replicas)
    written = {p: [_message(p, n) for n in range(1, 9)] for p in range(1, 16)}
    held = asyncio.Event()  # every conversation waits on its first message until all 15 run
    for messages in written.values():
        handler.gates[messages[0].conversation_id] = held
    for number in range(8):  # interleaved, as people write at the same time
        await _publish(runtime, [written[p][number] for p in written])

    await wait_until(lambda: len(handler.running) == len(written))
    assert handler.count == 0
    held.set()
    await wait_until(lambda: handler.count == 15 * 8)
    for messages in written.values():
        conversation = messages[0].conversation_id
        assert handler.by_conversation[conversation] == [m.message_id for m in messages]
    assert handler.most_at_once == len(written)


async def test_an_outage_is_waited_out_past_the_attempt_limit_and_never_dead_lettered(
    bus_settings: BusSettings, replicas: list[Runtime], env: dict[str, str]
) -> None:
    handler = Handled()
    runtime = await _replica(bus_settings, handler, replicas)
    hit, after, bystander = _message(1, 1), _message(1, 2), _message(2, 1)
    handler.failures[hit.message_id] = 4  # BUS_MAX_DELIVER=2: an ordinary error would be dead
    await _publish(runtime, [hit, after, bystander])

    await wait_until(lambda: handler.count == 3)
    assert handler.by_conversation[hit.conversation_id] == [hit.message_id, after.message_id]
    assert handler.attempts[hit.message_id] == [1, 2, 3, 4, 5]
    await drained(env["NATS_URL"], runtime.topology)
    js = runtime.nc.jetstream()
    assert (await js.stream_info(runtime.topology.dlq_stream)).state.messages == 0


async def test_two_replicas_split_the_partitions_and_handle_each_message_once(
    bus_settings: BusSettings, replicas: list[Runtime]
) -> None:
    first_handler, second_handler = Handled(), Handled()
    first = await _replica(bus_settings, first_handler, replicas)
    second = await _replica(bus_settings, second_handler, replicas)
    everything = frozenset(range(bus_settings.bus_partitions))

    def split() -> bool:
        a, b = first.owned_partitions, second.owned_partitions
        return bool(a) and bool(b) and not a & b and a | b == everything

    await wait_until(split)
    messages = [_message(p, n) for n in range(1, 4) for p in range(1, 31)]
    await _publish(first, messages)
    await wait_until(lambda: first_handler.count + second_handler.count == len(messages))
    assert first_handler.count
    assert second_handler.count
    handlers = (first_handler, second_handler)
    handled = [i for h in handlers for ids in h.by_conversation.values() for i in ids]
    assert sorted(handled) == sorted(m.message_id for m in messages)


async def test_when_a_replica_stops_the_other_takes_its_partitions_and_nothing_is_lost(
    bus_settings: BusSettings, replicas: list[Runtime]
) -> None:
    first_handler, second_handler = Handled(), Handled()
    first = await _replica(bus_settings, first_handler, replicas)
    second = await _replica(bus_settings, second_handler, replicas)
    await wait_until(lambda: bool(second.owned_partitions))
    early = [_message(p, 1) for p in range(1, 21)]
    await _publish(first, early)
    await guarded(second.stop(), "the second replica's stop")
    replicas.remove(second)
    everything = frozenset(range(bus_settings.bus_partitions))
    await wait_until(lambda: first.owned_partitions == everything)
    late = [_message(p, 2) for p in range(1, 21)]
    await _publish(first, late)

    await wait_until(lambda: first_handler.count + second_handler.count == 40)
    for person in range(1, 21):
        early_id, late_id = _message(person, 1).message_id, _message(person, 2).message_id
        conversation = _message(person, 1).conversation_id
        by_second = second_handler.by_conversation[conversation]
        by_first = first_handler.by_conversation[conversation]
        assert sorted(by_first + by_second) == sorted([early_id, late_id])
        # The stopped replica handled at most the early one; the late one came after it.
        assert by_second in ([], [early_id])
        assert by_first[-1] == late_id
