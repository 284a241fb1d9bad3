"""How long "typing..." shows before a message: as a person would take, never a fixed time.

WAHA's anti-ban advice (docs/waha.md section 11) is to wait "a random interval
depending on the size of the message" between ``startTyping`` and
``sendText``. The delay is the text's length at ``chars_per_second``, clamped
to ``[min_seconds, max_seconds]``, plus a uniform jitter in
``[0, jitter_seconds]``. The sleep and the random source are injected so that
tests run instantly and can check the computed delay.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

from gateway import metrics

Sleep = Callable[[float], Awaitable[None]]
Uniform = Callable[[float, float], float]


class Pacing:
    """Computes and waits the typing delay of one message."""

    def __init__(
        self,
        *,
        chars_per_second: float,
        min_seconds: float,
        max_seconds: float,
        jitter_seconds: float,
        sleep: Sleep = asyncio.sleep,
        uniform: Uniform = random.uniform,
    ) -> None:
        if chars_per_second <= 0:
            raise ValueError("chars_per_second must be positive")
        self._cps = chars_per_second
        self._min = max(min_seconds, 0.0)
        self._max = max(max_seconds, self._min)
        self._jitter = max(jitter_seconds, 0.0)
        self._sleep = sleep
        self._uniform = uniform

    @property
    def pauses(self) -> bool:
        """Whether any message waits at all (with no pause, "typing..." is never seen)."""
        return self._max > 0 or self._jitter > 0

    def delay(self, text: str) -> float:
        """Seconds of "typing..." for ``text`` (jitter included)."""
        typing = min(max(len(text) / self._cps, self._min), self._max)
        jitter = self._uniform(0.0, self._jitter) if self._jitter else 0.0
        return typing + jitter

    async def pause(self, text: str) -> float:
        """Wait the typing delay of ``text``; return it."""
        seconds = self.delay(text)
        if seconds > 0:
            await self._sleep(seconds)
        metrics.TYPING_SECONDS.observe(seconds)
        return seconds


NO_PAUSE = Pacing(chars_per_second=1.0, min_seconds=0.0, max_seconds=0.0, jitter_seconds=0.0)
