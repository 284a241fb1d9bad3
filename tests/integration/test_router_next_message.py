"""The router reads the message after another on a conversation's subject, on real JetStream."""

from __future__ import annotations

from collections.abc import AsyncIterator

import msgspec
import pytest

from concierge_common import settings as settings_module
from concierge_common.bus.runtime import Runtime
from concierge_common.settings import BusSettings
from router.next_message import jetstream_next_message
from support.bus_messages import numbered_message
from support.stack import delete_namespace

PERSON = "33600000041"
SOMEONE_ELSE = "33600000052"


@pytest.fixture
async def runtime(env: dict[str, str]) -> AsyncIterator[Runtime]:
    running = Runtime("probe", settings_module.load(BusSettings, env), health_port=None)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
        await delete_namespace(env["NATS_URL"], running.topology)


async def test_the_next_message_of_the_subject_skips_other_conversations(
    runtime: Runtime,
) -> None:
    first, then, last = (
        msgspec.structs.replace(numbered_message(n, phone=PERSON), sent_at=500.0 + n)
        for n in (1, 3, 4)
    )
    sequences = {}
    for message in (first, numbered_message(2, phone=SOMEONE_ELSE), then, last):
        sequences[message.message_id] = (await runtime.publisher.publish("inbound", message)).seq
    following = jetstream_next_message(runtime.nc.jetstream(), runtime.topology.stream)
    subject = runtime.topology.subject("inbound", first.conversation_id)

    assert await following(subject, sequences[first.message_id]) == then
    assert await following(subject, sequences[then.message_id]) == last
    assert await following(subject, sequences[last.message_id]) is None


async def test_an_unreadable_next_message_is_no_message_of_the_person(runtime: Runtime) -> None:
    message = numbered_message(1, phone=PERSON)
    sequence = (await runtime.publisher.publish("inbound", message)).seq
    subject = runtime.topology.subject("inbound", message.conversation_id)
    await runtime.nc.jetstream().publish(subject, b"not a bus message")
    following = jetstream_next_message(runtime.nc.jetstream(), runtime.topology.stream)
    assert await following(subject, sequence) is None
