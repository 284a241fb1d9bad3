"""Partition ownership without a bus: shares, renewals, and a stop nats-py cannot swallow."""

from __future__ import annotations

import asyncio

from nats.js.errors import TooManyStalledMsgsError

from concierge_common.bus.ownership import Ownership
from support.polling import guarded


class Roster:
    def __init__(self, members: frozenset[str]) -> None:
        self._members = members

    async def start(self) -> None:
        return None

    async def announce(self) -> None:
        return None

    async def leave(self) -> None:
        return None

    def members(self) -> frozenset[str]:
        return self._members


class Leases:
    """Every lease is free; renewals can be made to hang inside a 'publish'."""

    def __init__(self) -> None:
        self.hang = asyncio.Event()
        self.hanging = asyncio.Event()
        self.released: list[int] = []

    async def acquire(self, partition: int) -> int | None:
        return 1

    async def reclaim(self, partition: int) -> int | None:
        return 1

    async def renew(self, partition: int, revision: int) -> int | None:
        if self.hang.is_set():
            self.hanging.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                # What nats-py's JetStream publish does with a cancellation.
                raise TooManyStalledMsgsError from None
        return revision + 1

    async def release(self, partition: int, revision: int) -> None:
        self.released.append(partition)


class Partitions:
    def __init__(self) -> None:
        self.running: set[int] = set()

    async def acquired(self, partition: int) -> None:
        self.running.add(partition)

    async def release(self, partition: int) -> bool:
        self.running.discard(partition)
        return True

    async def abandon(self) -> None:
        self.running.clear()


def _ownership(members: frozenset[str], leases: Leases, period: float = 0.01) -> Ownership:
    return Ownership(
        "router",
        8,
        Roster(members),  # type: ignore[arg-type]
        leases,  # type: ignore[arg-type]
        period=period,
        instance="me",
    )


async def test_a_replica_alone_takes_every_partition_before_start_returns() -> None:
    ownership, user = _ownership(frozenset({"me"}), Leases()), Partitions()
    ownership.add(user)
    await ownership.start()
    try:
        assert ownership.owned == frozenset(range(8))
        assert user.running == set(range(8))
    finally:
        await ownership.stop(grace=1)


async def test_with_another_replica_only_its_share_is_taken() -> None:
    ownership = _ownership(frozenset({"me", "other"}), Leases())
    await ownership.start()
    try:
        assert 0 < len(ownership.owned) < 8
    finally:
        await ownership.stop(grace=1)


async def test_stop_hands_every_partition_back_and_frees_the_leases() -> None:
    leases, user = Leases(), Partitions()
    ownership = _ownership(frozenset({"me"}), leases)
    ownership.add(user)
    await ownership.start()
    await ownership.stop(grace=1)
    assert user.running == set()
    assert sorted(leases.released) == list(range(8))


async def test_stop_ends_even_when_the_tick_turns_its_cancellation_into_a_nats_error() -> None:
    leases = Leases()
    ownership = _ownership(frozenset({"me"}), leases)
    await ownership.start()
    leases.hang.set()
    await leases.hanging.wait()  # a tick is inside a renewal
    await guarded(ownership.stop(grace=1), "the ownership's stop")
