"""A failing handler is retried with growing delays, then dead-lettered with its error."""

from __future__ import annotations

import time

import nats
from nats.aio.msg import Msg

from concierge_common import settings as settings_module
from concierge_common.bus.consumer import Delivery
from concierge_common.bus.runtime import Runtime, Subscription
from concierge_common.bus.topology import ConsumerSpec
from concierge_common.contracts.messages import BusMessage, Codec, MessageReceived, ProcessingFailed
from concierge_common.errors import PermanentError
from concierge_common.settings import BusSettings
from support.bus_messages import numbered_message
from support.polling import HANG_GUARD, eventually
from support.settling import drained
from support.stack import delete_namespace


class Failing:
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.attempts: list[tuple[int, float]] = []

    async def __call__(self, message: BusMessage, delivery: Delivery) -> None:
        self.attempts.append((delivery.attempt, time.monotonic()))
        raise self.error


async def _dead_letters(runtime: Runtime) -> list[Msg]:
    """Every message of the dead-letter stream (as many as the stream says it holds)."""
    js = runtime.nc.jetstream()
    stream = runtime.topology.dlq_stream
    stored = (await js.stream_info(stream)).state.messages
    sub = await js.pull_subscribe(runtime.topology.dlq_filter(), stream=stream)
    letters: list[Msg] = []
    try:
        while len(letters) < stored:
            letters += await sub.fetch(stored - len(letters), timeout=HANG_GUARD)
        return letters
    finally:
        await sub.unsubscribe()


async def _run(env: dict[str, str], handler: Failing, wait_for: int) -> list[Msg]:
    config = settings_module.load(BusSettings, {**env, "BUS_MAX_DELIVER": "3"})
    runtime = Runtime("probe", config, health_port=None)
    await runtime.start()
    try:
        await runtime.consume(
            Subscription(ConsumerSpec("probe", "inbound"), (MessageReceived,), handler)
        )
        await runtime.publisher.publish("inbound", numbered_message(1))

        async def dead_lettered() -> bool:
            return bool(await _dead_letters(runtime)) and len(handler.attempts) >= wait_for

        await eventually(dead_lettered)
        # The delivery is terminated once its consumer has nothing left unacknowledged:
        # from then on no attempt can follow, however late.
        await drained(env["NATS_URL"], runtime.topology)
        return await _dead_letters(runtime)
    finally:
        await runtime.stop()
        await delete_namespace(env["NATS_URL"], runtime.topology)


async def test_unexpected_error_is_retried_with_delay_then_dead_lettered(
    env: dict[str, str],
) -> None:
    handler = Failing(RuntimeError("database exploded"))
    letters = await _run(env, handler, wait_for=3)
    assert [attempt for attempt, _ in handler.attempts] == [1, 2, 3]
    gaps = [b - a for (_, a), (_, b) in zip(handler.attempts, handler.attempts[1:], strict=False)]
    assert gaps[0] >= 0.15  # BUS_RETRY_DELAYS=0.2,0.5,1
    assert gaps[1] >= 0.4
    assert len(letters) == 1
    headers = letters[0].headers or {}
    assert headers["Concierge-Error-Type"] == "RuntimeError"
    assert headers["Concierge-Error"] == "database exploded"
    assert headers["Concierge-Attempts"] == "3"
    # Retried inside the conversation, not redelivered: the server delivered it once.
    assert headers["Concierge-Deliveries"] == "1"
    assert str(MessageReceived.__struct_config__.tag) in letters[0].data.decode()


async def test_permanent_error_is_dead_lettered_at_once(env: dict[str, str]) -> None:
    handler = Failing(PermanentError("cannot ever work"))
    letters = await _run(env, handler, wait_for=1)
    assert [attempt for attempt, _ in handler.attempts] == [1]
    assert len(letters) == 1
    assert (letters[0].headers or {})["Concierge-Error-Type"] == "PermanentError"


async def _announced_failures(env: dict[str, str], runtime_namespace: str) -> list[Msg]:
    nc = await nats.connect(env["NATS_URL"])
    try:
        js = nc.jetstream()
        prefix = f"{runtime_namespace}." if runtime_namespace else ""
        stream = f"{runtime_namespace.upper()}_CHAT" if runtime_namespace else "CHAT"
        sub = await js.pull_subscribe(f"{prefix}chat.v1.failed.>", stream=stream)
        try:
            return await sub.fetch(10, timeout=1)
        except nats.errors.TimeoutError:
            return []
        finally:
            await sub.unsubscribe()
    finally:
        await nc.close()


async def test_a_dead_lettered_conversation_message_is_announced_on_the_failed_flow(
    env: dict[str, str],
) -> None:
    handler = Failing(PermanentError("cannot ever work"))
    config = settings_module.load(BusSettings, env)
    runtime = Runtime("probe", config, health_port=None)
    await runtime.start()
    try:
        await runtime.consume(
            Subscription(ConsumerSpec("probe", "inbound"), (MessageReceived,), handler)
        )
        sent = numbered_message(7)
        await runtime.publisher.publish("inbound", sent)
        announced = await eventually(lambda: _announced_failures(env, env["BUS_NAMESPACE"]))
    finally:
        await runtime.stop()
        await delete_namespace(env["NATS_URL"], runtime.topology)
    assert len(announced) == 1
    failed = Codec(ProcessingFailed).decode(announced[0].data)
    assert isinstance(failed, ProcessingFailed)
    assert failed.conversation_id == sent.conversation_id
    assert (failed.service, failed.flow, failed.error_type) == (
        "probe",
        "inbound",
        "PermanentError",
    )
    assert failed.correlation_id == "corr-7"
    original = Codec(MessageReceived).decode(bytes(failed.original))
    assert original == sent
    subject = announced[0].subject.split(".")
    assert (subject[-3], subject[-1]) == (
        "failed",
        sent.conversation_id,
    )  # the conversation's own subject
