"""Waiting for an asynchronous effect in a test.

Every wait in the tests has a cap, and the cap is only a hang guard: it is
there so that a broken test fails with a message instead of hanging, never as
a claim about how fast the machine is. A loaded machine (two copies of the
suite on two cores) may take many times longer than a quiet one, so the caps
are far above any normal duration; a test that is about a product timeout sets
that timeout in the product, not in the wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

# Seconds: the cap of one wait. pytest-timeout's per-test limit (pyproject) is the
# outer guard of the whole test.
HANG_GUARD = 120.0


async def eventually(check: Callable[[], Awaitable[T | None]], timeout: float = HANG_GUARD) -> T:
    """Poll ``check`` until it returns something truthy (fail after ``timeout``, a hang guard)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the expected effect did not happen")
        await asyncio.sleep(0.1)
