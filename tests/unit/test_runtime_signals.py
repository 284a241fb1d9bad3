"""A service process stops cleanly on SIGTERM at any moment, also while it is starting."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator

import pytest

from concierge_common.bus.runtime import run_until_signal


@pytest.fixture(autouse=True)
def signal_handlers_restored() -> Iterator[None]:
    """The event loop resets SIGTERM and SIGINT to their defaults when it closes: put
    back the session's own handlers (tests/conftest.py) after each test."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


class SlowStartingService:
    """A service whose start waits until the test lets it finish (or is cancelled)."""

    def __init__(self, *, finish_start: bool) -> None:
        self.finish_start = finish_start
        self.start_began = asyncio.Event()
        self.started = asyncio.Event()
        self.start_cancelled = False
        self.stopped = False

    async def start(self) -> None:
        self.start_began.set()
        if self.finish_start:
            self.started.set()
            return
        try:
            await asyncio.Event().wait()  # a connection that never comes
        except asyncio.CancelledError:
            self.start_cancelled = True
            raise

    async def stop(self) -> None:
        self.stopped = True


class FailingService:
    def __init__(self) -> None:
        self.stopped = False

    async def start(self) -> None:
        raise RuntimeError("cannot connect")

    async def stop(self) -> None:
        self.stopped = True


async def test_sigterm_while_starting_cancels_the_start_and_stops_the_service() -> None:
    service = SlowStartingService(finish_start=False)
    running = asyncio.create_task(run_until_signal(service))
    await service.start_began.wait()
    os.kill(os.getpid(), signal.SIGTERM)
    await running
    assert service.start_cancelled
    assert service.stopped


async def test_sigterm_after_the_start_stops_the_service() -> None:
    service = SlowStartingService(finish_start=True)
    running = asyncio.create_task(run_until_signal(service))
    await service.started.wait()
    os.kill(os.getpid(), signal.SIGTERM)
    await running
    assert not service.start_cancelled
    assert service.stopped


async def test_a_start_that_fails_raises_and_still_stops_what_it_opened() -> None:
    service = FailingService()
    with pytest.raises(RuntimeError, match="cannot connect"):
        await run_until_signal(service)
    assert service.stopped
