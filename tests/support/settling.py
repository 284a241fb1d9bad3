"""The tests' barrier for "nothing more will happen" (see :mod:`concierge_devkit.settling`).

A test that asserts something did *not* happen (no second reply, no reply from
the bot while a human owns the conversation, no retry after a dead letter)
first waits for :func:`settled`: the in-process gateway's history recoveries are
over, and every consumer of the test's namespace has handled and acknowledged
everything published so far. Why that is sound, and which timers it cannot see,
is explained in :mod:`concierge_devkit.settling`.
"""

from __future__ import annotations

import asyncio

from concierge_common.bus.topology import Topology
from concierge_devkit.settling import drained as bus_drained
from support.polling import HANG_GUARD
from support.stack import Stack

# The gateway names each history recovery task "recovery-<session>" (gateway.recovery).
_RECOVERY_TASK = "recovery-"


async def settled(stack: Stack, *, timeout: float = HANG_GUARD) -> None:
    """Wait until every service of ``stack`` has handled everything published so far."""
    await recoveries_over(timeout=timeout)
    await drained(stack.env["NATS_URL"], stack.topology, timeout=timeout)


async def drained(nats_url: str, topology: Topology, *, timeout: float = HANG_GUARD) -> None:
    """Wait until each durable consumer of ``topology``'s stream acknowledged all it could get."""
    await bus_drained(nats_url, topology, timeout=timeout)


async def recoveries_over(*, timeout: float = HANG_GUARD) -> None:
    """Wait for the history recoveries running in this process (a gateway's background tasks)."""
    current = asyncio.current_task()
    running = [
        task
        for task in asyncio.all_tasks()
        if task is not current and task.get_name().startswith(_RECOVERY_TASK)
    ]
    if running:
        _, pending = await asyncio.wait(running, timeout=timeout)
        if pending:
            raise AssertionError(f"history recoveries still running: {len(pending)}")
