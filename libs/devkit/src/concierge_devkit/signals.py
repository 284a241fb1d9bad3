"""SIGTERM (and, where asked, SIGINT) turned into an orderly stop of the runner."""

from __future__ import annotations

import asyncio
import signal


def cancel_on_sigterm() -> None:
    """Cancel the current task on SIGTERM so that its ``finally`` blocks stop everything."""
    task = asyncio.current_task()
    if task is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)


async def wait_for_stop() -> None:
    """Return on SIGTERM or SIGINT (Ctrl-C)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
