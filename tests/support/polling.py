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
import io
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


async def wait_until(condition: Callable[[], bool], timeout: float = HANG_GUARD) -> None:
    """Poll a plain ``condition`` until it holds (fail after ``timeout``, a hang guard)."""

    async def check() -> bool:
        return condition()

    await eventually(check, timeout)


async def guarded(step: Awaitable[T], what: str, timeout: float = HANG_GUARD) -> T:
    """Await ``step`` within the hang guard; past it, fail showing every task's stack.

    A hung start or stop of services would otherwise surface only as pytest-timeout's
    dump of the thread, which cannot show where each coroutine waits.
    """
    task = asyncio.ensure_future(step)
    done, _ = await asyncio.wait({task}, timeout=timeout)
    if done:
        return task.result()
    stacks = _task_stacks()  # before cancelling, so that the stuck step shows where it waits
    task.cancel()
    await asyncio.wait({task})
    raise AssertionError(f"{what} did not end within {timeout:g} s:\n{stacks}")


def _task_stacks() -> str:
    """Every task and the chain of awaits it is suspended in, outermost first.

    ``Task.print_stack`` shows a single frame for a suspended coroutine; following
    ``cr_await`` shows where, deep inside, each one actually waits.
    """
    out = io.StringIO()
    for task in asyncio.all_tasks():
        out.write(f"--- {task.get_name()}\n")
        for line in _await_chain(task.get_coro()):
            out.write(f"    {line}\n")
    return out.getvalue()


def _await_chain(awaitable: object) -> list[str]:
    lines: list[str] = []
    while awaitable is not None and len(lines) < 40:
        frame = getattr(awaitable, "cr_frame", None) or getattr(awaitable, "gi_frame", None)
        if frame is None:
            lines.append(f"awaiting {awaitable!r:.200}")
            break
        code = frame.f_code
        lines.append(f"{code.co_filename}:{frame.f_lineno} in {code.co_name}")
        awaitable = getattr(awaitable, "cr_await", None) or getattr(awaitable, "gi_yieldfrom", None)
    return lines
