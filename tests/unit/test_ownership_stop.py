"""Ownership.stop() ends even when its cancel meets the answer of a lease renewal.

Found by tests/e2e/test_replicas.py: now and then a SIGTERMed replica logged
"stop signal received" and then kept running for good, its ownership loop still
renewing (and taking) leases and its consumers still handling messages.

``Ownership.stop`` cancelled the tick task once and awaited it. The tick spends
most of its time in NATS requests, and nats-py waits for an answer with
``asyncio.wait_for``; on Python 3.11, a ``wait_for`` whose task is cancelled
just as its inner future completes returns the result and drops the
cancellation (CPython gh-86296, fixed in 3.12). The tick went on, the loop
ticked again, and ``stop`` waited for a task that never ended. Since c82b04a a
stop event ends the loop (which also covers nats-py turning a cancellation
into TooManyStalledMsgsError, tests/unit/test_bus_ownership.py). This test
makes the moment of the first cause happen on purpose: a renewal is waiting,
its answer arrives, and ``stop`` is called before the tick task runs again.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import cast

from concierge_common.bus.leases import Leases, Taken
from concierge_common.bus.ownership import HandBack, Ownership
from concierge_common.bus.roster import Roster
from support.polling import wait_until


class _Alone:
    """A roster where this replica is the only one."""

    async def start(self) -> None:
        return None

    async def announce(self) -> None:
        return None

    async def leave(self) -> None:
        return None

    def members(self) -> frozenset[str]:
        return frozenset({"me"})


class _AnsweredByTheTest:
    """Leases whose renewals wait, as nats-py's requests do, for an answer the test gives."""

    def __init__(self) -> None:
        self.renewals: list[asyncio.Future[int]] = []

    async def acquire(self, partition: int) -> Taken | None:
        return Taken(1, clean=False)

    async def renew(self, partition: int, revision: int) -> int | None:
        answer: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.renewals.append(answer)
        return await asyncio.wait_for(answer, timeout=60)  # as nats.aio.client.request does

    async def release(self, partition: int, revision: int, *, clean: bool) -> None:
        return None


class _User:
    async def acquired(self, partition: int, *, clean: bool) -> None:
        return None

    async def release(self, partition: int) -> HandBack:
        return HandBack.CLEAN

    async def abandon(self) -> None:
        return None


async def test_stop_ends_when_its_cancel_meets_a_renewal_answer() -> None:
    leases = _AnsweredByTheTest()
    ownership = Ownership(
        "svc",
        1,
        cast(Roster, _Alone()),
        cast(Leases, leases),
        period=0.01,
        instance="me",
    )
    ownership.add(_User())
    await ownership.start()  # takes partition 0
    await wait_until(lambda: bool(leases.renewals))

    leases.renewals[-1].set_result(2)  # the renewal's answer arrives...
    stopping = asyncio.ensure_future(ownership.stop(grace=1.0))  # ...as SIGTERM stops it

    try:
        done, _ = await asyncio.wait({stopping}, timeout=10)
        assert stopping in done, "Ownership.stop() did not return: the tick loop went on"
    finally:
        await _end(ownership, leases, stopping)


async def _end(
    ownership: Ownership, leases: _AnsweredByTheTest, stopping: asyncio.Future[None]
) -> None:
    """Stop the loop the test left running (answering renewals, cancelling until it ends)."""
    loop_task = ownership._task  # the test's own clean-up reaches into the object
    while loop_task is not None and not loop_task.done():
        loop_task.cancel()
        for answer in leases.renewals:
            if not answer.done():
                answer.cancel()
        await asyncio.wait({loop_task}, timeout=0.1)
    stopping.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await stopping
