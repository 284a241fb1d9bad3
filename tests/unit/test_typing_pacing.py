""" "typing..." lasts as long as a person would take to type the message, capped, with jitter."""

from __future__ import annotations

import pytest

from gateway.pacing import Pacing


class Clock:
    def __init__(self) -> None:
        self.slept: list[float] = []
        self.jitter_bounds: list[tuple[float, float]] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def uniform(self, low: float, high: float) -> float:
        self.jitter_bounds.append((low, high))
        return high / 2


def pacing(clock: Clock, *, jitter: float = 0.5) -> Pacing:
    return Pacing(
        chars_per_second=15,
        min_seconds=1,
        max_seconds=6,
        jitter_seconds=jitter,
        sleep=clock.sleep,
        uniform=clock.uniform,
    )


@pytest.mark.parametrize(
    ("length", "typing"),
    [(45, 3.0), (5, 1.0), (0, 1.0), (600, 6.0), (90, 6.0)],
)
def test_the_delay_is_the_length_at_typing_speed_clamped_plus_jitter(
    length: int, typing: float
) -> None:
    clock = Clock()
    assert pacing(clock).delay("x" * length) == pytest.approx(typing + 0.25)
    assert clock.jitter_bounds == [(0.0, 0.5)]


async def test_pause_sleeps_the_computed_delay_and_returns_it() -> None:
    clock = Clock()
    waited = await pacing(clock).pause("x" * 30)
    assert waited == pytest.approx(2.25)
    assert clock.slept == [pytest.approx(2.25)]


async def test_no_jitter_and_zero_bounds_mean_no_pause_at_all() -> None:
    clock = Clock()
    instant = Pacing(
        chars_per_second=15, min_seconds=0, max_seconds=0, jitter_seconds=0,
        sleep=clock.sleep, uniform=clock.uniform,
    )  # fmt: skip
    assert await instant.pause("Bonjour, la messe est à 10 h.") == 0.0
    assert clock.slept == []
    assert clock.jitter_bounds == []


def test_a_typing_speed_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Pacing(chars_per_second=0, min_seconds=1, max_seconds=6, jitter_seconds=0)
