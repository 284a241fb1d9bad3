"""Sends to WAHA are held back per chat and for the whole number (in-process windows)."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from concierge_common.errors import DownstreamUnavailable
from gateway.rate_limit import CHAT, GLOBAL, Limits, LocalWindows, SendLimits


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _one_a_minute_per_chat(clock: Clock) -> SendLimits:
    """One send a minute per chat; a wait of up to 30 s is slept on ``clock``."""
    return SendLimits(
        LocalWindows(Limits(per_chat=1, per_number=100), clock=clock),
        max_wait=30,
        sleep=clock.sleep,
    )


def held_back(scope: str) -> float:
    value = REGISTRY.get_sample_value("concierge_gateway_rate_limited_total", {"scope": scope})
    return value or 0.0


async def test_a_chat_gets_its_limit_per_minute_then_waits_for_the_oldest_send() -> None:
    clock = Clock()
    windows = LocalWindows(Limits(per_chat=2, per_number=100), clock=clock)
    assert (await windows.take("a")).allowed
    clock.now += 10
    assert (await windows.take("a")).allowed
    clock.now += 5
    refused = await windows.take("a")
    assert (refused.scope, refused.wait) == (CHAT, 45.0)
    assert (await windows.take("b")).allowed  # another chat has its own window
    clock.now += 45
    assert (await windows.take("a")).allowed


async def test_the_number_as_a_whole_has_its_own_limit() -> None:
    clock = Clock()
    windows = LocalWindows(Limits(per_chat=10, per_number=2), clock=clock)
    assert (await windows.take("a")).allowed
    assert (await windows.take("b")).allowed
    verdict = await windows.take("c")
    assert (verdict.scope, verdict.wait) == (GLOBAL, 60.0)


async def test_a_refused_send_is_not_counted() -> None:
    clock = Clock()
    windows = LocalWindows(Limits(per_chat=1, per_number=2), clock=clock)
    assert (await windows.take("a")).allowed
    assert not (await windows.take("a")).allowed
    assert not (await windows.take("a")).allowed
    assert (await windows.take("b")).allowed  # the refusals used none of the global room


async def test_a_limit_of_zero_is_no_limit() -> None:
    windows = LocalWindows(Limits(per_chat=0, per_number=0), clock=Clock())
    for _ in range(50):
        assert (await windows.take("a")).allowed


async def test_a_short_wait_is_waited_and_counted() -> None:
    clock = Clock()
    limits = _one_a_minute_per_chat(clock)
    before = held_back(CHAT)
    await limits.acquire("a")
    clock.now += 40
    await limits.acquire("a")
    assert clock.slept == [pytest.approx(20.0)]
    assert held_back(CHAT) == before + 1


async def test_a_long_wait_is_left_to_the_bus_retries() -> None:
    clock = Clock()
    limits = _one_a_minute_per_chat(clock)
    await limits.acquire("a")
    with pytest.raises(DownstreamUnavailable, match="chat rate limit"):
        await limits.acquire("a")
    assert clock.slept == []
