"""Poll until a condition holds, failing early when the process behind it has died."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from concierge_devkit.errors import DevkitError
from concierge_devkit.processes import ManagedProcess


async def wait_until(
    check: Callable[[], Awaitable[bool]],
    *,
    what: str,
    timeout: float,
    process: ManagedProcess | None = None,
    interval: float = 0.1,
) -> None:
    """Return once ``check()`` is true; raise :class:`DevkitError` on timeout or exit."""
    deadline = time.monotonic() + timeout
    while True:
        if await check():
            return
        if process is not None and not process.running:
            raise DevkitError(
                f"{what}: {process.name} exited with code {process.process.returncode}; "
                f"last lines of {process.log_path}:\n{process.log_tail()}"
            )
        if time.monotonic() >= deadline:
            hint = f" (see {process.log_path})" if process is not None else ""
            raise DevkitError(f"{what}: not ready after {timeout:.0f} s{hint}")
        await asyncio.sleep(interval)
