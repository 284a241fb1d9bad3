"""Dead letters on a real NATS: dead-lettered through the real settle path, then listed,
shown, replayed (once, however often asked) and discarded by the operator's CLI."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from concierge_common import settings as settings_module
from concierge_common.bus import dead_letter_admin, dead_letter_cli
from concierge_common.bus.consumer import Delivery
from concierge_common.bus.dead_letter_admin import DeadLetterAdmin
from concierge_common.bus.runtime import Runtime, Subscription
from concierge_common.bus.topology import ConsumerSpec
from concierge_common.contracts.messages import BusMessage, MessageReceived
from concierge_common.errors import BusUnavailable, PermanentError
from concierge_common.settings import BusSettings
from support.bus_messages import numbered_message
from support.polling import eventually
from support.settling import drained
from support.stack import delete_namespace

PHONE = "33611223344"


@dataclass
class Ledger:
    """A consumer that acts once per message id, as the services' own ledgers do.

    ``received`` counts every delivery its handler saw, ``effects`` what it did.
    While ``failing``, it refuses every message for good (a dead letter at once).
    """

    failing: bool = False
    received: dict[str, int] = field(default_factory=dict)
    effects: dict[str, int] = field(default_factory=dict)

    async def __call__(self, message: BusMessage, delivery: Delivery) -> None:
        self.received[message.message_id] = self.received.get(message.message_id, 0) + 1
        if self.failing:
            raise PermanentError("the recorder refused it")
        self.effects.setdefault(message.message_id, 1)


@dataclass
class Bus:
    runtime: Runtime
    config: BusSettings
    probe: Ledger  # the consumer that dead-letters
    keeper: Ledger  # another service on the same flow, which handled the message
    admin: DeadLetterAdmin


@pytest.fixture
async def bus(env: dict[str, str]) -> AsyncIterator[Bus]:
    config = settings_module.load(BusSettings, env)
    runtime = Runtime("probe", config, health_port=None)
    await runtime.start()
    probe, keeper = Ledger(failing=True), Ledger()
    try:
        await runtime.consume(
            Subscription(ConsumerSpec("probe", "inbound"), (MessageReceived,), probe),
            Subscription(ConsumerSpec("keeper", "inbound"), (MessageReceived,), keeper),
        )
        yield Bus(runtime, config, probe, keeper, DeadLetterAdmin(runtime.nc, runtime.topology))
    finally:
        await runtime.stop()
        await delete_namespace(env["NATS_URL"], runtime.topology)


async def _dead_lettered(bus: Bus, number: int) -> MessageReceived:
    """Publish a message the probe refuses; return it once its dead letter is stored."""
    message = numbered_message(number, phone=PHONE)
    await bus.runtime.publisher.publish("inbound", message)

    async def stored() -> bool:
        letters = await bus.admin.list(service="probe")
        return any(letter.correlation_id == message.correlation_id for letter in letters)

    await eventually(stored)
    await drained(bus.config.nats_url, bus.runtime.topology)
    return message


async def _acted(ledger: Ledger, message_id: str) -> bool:
    return ledger.effects.get(message_id) == 1


async def _cli(bus: Bus, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    args = dead_letter_cli.build_parser().parse_args(argv)
    status = await dead_letter_cli.run(args, bus.config, out)
    return status, out.getvalue()


async def test_a_dead_letter_is_listed_without_its_body_and_shown_with_it(bus: Bus) -> None:
    message = await _dead_lettered(bus, 1)
    [letter] = await bus.admin.list()
    assert (letter.service, letter.flow, letter.attempts) == ("probe", "inbound", 1)
    assert (letter.error_type, letter.error) == ("PermanentError", "the recorder refused it")
    assert letter.subject == bus.runtime.topology.subject("inbound", message.conversation_id)
    status, listed = await _cli(bus, "list", "--flow", "inbound")
    assert status == 0
    assert f"{letter.sequence}  " in listed
    assert "PermanentError: the recorder refused it" in listed
    assert "1 dead letter(s)" in listed
    assert "Bonjour" not in listed
    assert PHONE not in listed
    _, other_flow = await _cli(bus, "list", "--flow", "outbound")
    assert "0 dead letter(s)" in other_flow
    _, shown = await _cli(bus, "show", str(letter.sequence))
    assert "Bonjour" in shown
    assert "Concierge-Original-Subject" in shown


async def test_a_replay_reaches_the_consumer_once_and_removes_the_dead_letter(bus: Bus) -> None:
    message = await _dead_lettered(bus, 2)
    [letter] = await bus.admin.list()
    bus.probe.failing = False  # the cause was fixed
    status, said = await _cli(bus, "replay", str(letter.sequence))
    assert status == 0
    assert f"{letter.sequence}: replayed to {letter.subject}" in said
    await eventually(lambda: _acted(bus.probe, message.message_id))
    await drained(bus.config.nats_url, bus.runtime.topology)
    assert await bus.admin.list() == []
    # Replayed again (the letter is gone): nothing is published, nobody acts again.
    status, said = await _cli(bus, "replay", str(letter.sequence))
    assert status == 1
    assert f"no dead letter {letter.sequence}" in said
    await drained(bus.config.nats_url, bus.runtime.topology)
    assert bus.probe.received[message.message_id] == 2  # the refused delivery, the replay
    # The other consumer of the flow had handled the message: the replay is the probe's
    # only, the keeper's consumer acknowledged it without calling its handler.
    assert bus.keeper.received[message.message_id] == 1
    assert bus.keeper.effects == {message.message_id: 1}


async def test_a_dead_letter_replayed_twice_is_stored_and_handled_once(
    bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = await _dead_lettered(bus, 3)
    [letter] = await bus.admin.list()
    bus.probe.failing = False
    # The first replay's publish is acknowledged, but removing the letter fails.
    remove = DeadLetterAdmin._remove

    async def broken(self: DeadLetterAdmin, sequence: int) -> bool:
        raise BusUnavailable("lost")

    monkeypatch.setattr(DeadLetterAdmin, "_remove", broken)
    with pytest.raises(BusUnavailable):
        await bus.admin.replay(letter.sequence)
    monkeypatch.setattr(DeadLetterAdmin, "_remove", remove)
    assert [kept.sequence for kept in await bus.admin.list()] == [letter.sequence]
    again = await bus.admin.replay(letter.sequence)
    assert again.duplicate
    await eventually(lambda: _acted(bus.probe, message.message_id))
    await drained(bus.config.nats_url, bus.runtime.topology)
    assert bus.probe.received[message.message_id] == 2  # refused once, replayed once
    assert await bus.admin.list() == []


async def test_two_operators_replaying_the_same_letter_at_once_publish_it_once(bus: Bus) -> None:
    message = await _dead_lettered(bus, 4)
    [letter] = await bus.admin.list()
    bus.probe.failing = False
    outcomes = await asyncio.gather(
        bus.admin.replay(letter.sequence),
        bus.admin.replay(letter.sequence),
        return_exceptions=True,
    )
    assert any(not isinstance(outcome, BaseException) for outcome in outcomes)
    await eventually(lambda: _acted(bus.probe, message.message_id))
    await drained(bus.config.nats_url, bus.runtime.topology)
    assert bus.probe.received[message.message_id] == 2
    assert await bus.admin.list() == []


async def test_discard_needs_its_confirmation_then_deletes(bus: Bus) -> None:
    message = await _dead_lettered(bus, 5)
    [letter] = await bus.admin.list()
    status, said = await _cli(bus, "discard", str(letter.sequence))
    assert status == 2
    assert "--yes" in said
    assert [kept.sequence for kept in await bus.admin.list()] == [letter.sequence]
    status, said = await _cli(bus, "discard", "--yes", str(letter.sequence))
    assert status == 0
    assert f"{letter.sequence}: discarded" in said
    assert await bus.admin.list() == []
    await drained(bus.config.nats_url, bus.runtime.topology)
    assert bus.probe.received[message.message_id] == 1  # never delivered again


async def test_a_letter_older_than_the_ledgers_memory_is_replayed_only_when_asked(
    bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = await _dead_lettered(bus, 6)
    [letter] = await bus.admin.list()
    bus.probe.failing = False
    # Every letter is "old" once the horizon is nothing.
    monkeypatch.setattr(dead_letter_admin, "REPLAY_HORIZON", timedelta(0))
    status, said = await _cli(bus, "replay", str(letter.sequence))
    assert status == 1
    assert "--older" in said
    assert [kept.sequence for kept in await bus.admin.list()] == [letter.sequence]
    status, said = await _cli(bus, "replay", "--older", str(letter.sequence))
    assert status == 0
    await eventually(lambda: _acted(bus.probe, message.message_id))
    assert await bus.admin.list() == []
