"""Poll until a condition holds, failing early when the process behind it has died."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from concierge_devkit.errors import DevkitError
from concierge_devkit.processes import ManagedProcess, spawn


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


async def start_server(
    name: str,
    argv: list[str],
    *,
    log_path: Path,
    answers: Callable[[], Awaitable[bool]],
    what: str,
    timeout: float = 20.0,
) -> ManagedProcess:
    """Spawn a server and return once ``answers()``; stop it again if it never does."""
    process = await spawn(name, argv, env={}, log_path=log_path)
    try:
        await wait_until(answers, what=what, timeout=timeout, process=process)
    except BaseException:
        await process.stop(5.0)
        raise
    return process
