"""The answer latency (a person's message in, its reply sent) is measured on sending.

The real :class:`gateway.outbound.OutboundSender` sends on the real NATS to the WAHA
fake; ``concierge_gateway_reply_latency_seconds`` moves once per reply actually sent,
by the reply's ``in_reply_to_at``, and never for a reply that answers no message or
that a redelivery finds already sent.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from concierge_common.storage.media_storage import LocalMediaStorage
from concierge_devkit.waha_fake import WahaFake
from gateway.outbound import SendOptions
from gateway.pacing import NO_PAUSE
from support.outbound_harness import OutboundHarness, outbound_harness
from support.stack import WAHA_KEY

PERSON = "33600000781@c.us"
LATENCY = "concierge_gateway_reply_latency_seconds"

Outbound = OutboundHarness[WahaFake]


def _options(media: LocalMediaStorage, pauses: list[float]) -> SendOptions:
    return SendOptions(pacing=NO_PAUSE, media=media)


@pytest.fixture
async def outbound(namespace: str, tmp_path: Path) -> AsyncIterator[Outbound]:
    waha = WahaFake(api_key=WAHA_KEY)
    async with outbound_harness(namespace, tmp_path, waha, _options, person=PERSON) as harness:
        yield harness


def _sample(suffix: str, origin: str = "ai", channel: str = "whatsapp") -> float:
    labels = {"origin": origin, "channel": channel}
    return REGISTRY.get_sample_value(f"{LATENCY}{suffix}", labels) or 0.0


async def test_a_sent_reply_records_the_time_since_its_message_arrived(
    outbound: Outbound,
) -> None:
    count, total = _sample("_count"), _sample("_sum")
    arrived = time.time() - 42.0
    await outbound.deliver(outbound.reply(in_reply_to_at=arrived))
    assert _sample("_count") == count + 1
    assert _sample("_sum") - total >= 42.0
    # The 60 s bucket holds it, the 30 s one does not.
    sixty = REGISTRY.get_sample_value(
        f"{LATENCY}_bucket", {"origin": "ai", "channel": "whatsapp", "le": "60.0"}
    )
    thirty = REGISTRY.get_sample_value(
        f"{LATENCY}_bucket", {"origin": "ai", "channel": "whatsapp", "le": "30.0"}
    )
    assert sixty is not None
    assert thirty is not None
    assert sixty > thirty


async def test_a_redelivered_reply_already_sent_is_not_measured_again(
    outbound: Outbound,
) -> None:
    reply = outbound.reply(in_reply_to_at=time.time() - 1.0, origin="router")
    await outbound.deliver(reply)
    after_first = _sample("_count", "router")
    await outbound.deliver(reply, attempt=2)
    assert len(outbound.waha.sent_texts) == 1
    assert _sample("_count", "router") == after_first


async def test_a_reply_that_answers_no_message_is_not_measured(outbound: Outbound) -> None:
    count = _sample("_count", "staff")
    await outbound.deliver(outbound.reply(in_reply_to_at=0.0, origin="staff"))
    assert len(outbound.waha.sent_texts) == 1
    assert _sample("_count", "staff") == count
