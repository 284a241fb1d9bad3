"""Partition ownership without a bus: shares, renewals, and a stop nats-py cannot swallow."""

from __future__ import annotations

import asyncio
import logging

import pytest
from nats.js.errors import TooManyStalledMsgsError

from concierge_common.bus.leases import Taken
from concierge_common.bus.ownership import HandBack, Ownership
from support.polling import guarded, wait_until


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

    async def acquire(self, partition: int) -> Taken | None:
        return Taken(1, clean=True)

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

    async def release(self, partition: int, revision: int, *, clean: bool) -> None:
        self.released.append(partition)


class Partitions:
    def __init__(self) -> None:
        self.running: set[int] = set()

    async def acquired(self, partition: int, *, clean: bool) -> None:
        self.running.add(partition)

    async def release(self, partition: int) -> HandBack:
        self.running.discard(partition)
        return HandBack.CLEAN

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


class HandOver(Leases):
    """Leases taken cleanly or not, per partition; records how each was released."""

    def __init__(self, clean: frozenset[int]) -> None:
        super().__init__()
        self._clean = clean
        self.how: dict[int, bool] = {}

    async def acquire(self, partition: int) -> Taken | None:
        return Taken(1, clean=partition in self._clean)

    async def release(self, partition: int, revision: int, *, clean: bool) -> None:
        self.how[partition] = clean


class Handing(Partitions):
    """Records how each partition was taken, and hands each back as told."""

    def __init__(self, outcomes: dict[int, HandBack]) -> None:
        super().__init__()
        self.outcomes = outcomes
        self.taken_clean: dict[int, bool] = {}

    async def acquired(self, partition: int, *, clean: bool) -> None:
        self.taken_clean[partition] = clean
        await super().acquired(partition, clean=clean)

    async def release(self, partition: int) -> HandBack:
        await super().release(partition)
        return self.outcomes.get(partition, HandBack.CLEAN)


async def test_each_user_hears_whether_its_partition_was_handed_over_cleanly() -> None:
    leases, user = HandOver(clean=frozenset({1, 5})), Handing({})
    ownership = _ownership(frozenset({"me"}), leases)
    ownership.add(user)
    await ownership.start()
    await ownership.stop(grace=1)
    assert user.taken_clean == {part: part in {1, 5} for part in range(8)}


async def test_the_lease_says_clean_only_when_every_user_handed_back_everything() -> None:
    leases = HandOver(clean=frozenset())
    unsettled = {2: HandBack.UNSETTLED, 3: HandBack.UNSETTLED}
    first, second = Handing(unsettled), Handing({3: HandBack.CLEAN, 4: HandBack.UNSETTLED})
    ownership = _ownership(frozenset({"me"}), leases)
    ownership.add(first)
    ownership.add(second)
    await ownership.start()
    await ownership.stop(grace=1)
    assert leases.how == {part: part not in {2, 3, 4} for part in range(8)}


async def test_an_abandoned_partition_keeps_its_lease_until_it_runs_out() -> None:
    leases, user = HandOver(clean=frozenset()), Handing({6: HandBack.ABANDONED})
    ownership = _ownership(frozenset({"me"}), leases)
    ownership.add(user)
    await ownership.start()
    await ownership.stop(grace=1)
    assert sorted(leases.how) == [0, 1, 2, 3, 4, 5, 7]


class SlowRenewals(Leases):
    """Each renewal takes a while (a busy event loop, a slow bus): counts how many overlap."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0
        self.most_at_once = 0
        self.all_started = asyncio.Event()

    async def renew(self, partition: int, revision: int) -> int | None:
        self.in_flight += 1
        self.most_at_once = max(self.most_at_once, self.in_flight)
        if self.most_at_once == 8:
            self.all_started.set()
        try:
            await self.all_started.wait()  # one after the other, this would never end
        finally:
            self.in_flight -= 1
        return revision + 1


async def test_every_held_lease_is_renewed_at_once_not_one_after_the_other() -> None:
    leases = SlowRenewals()
    ownership = _ownership(frozenset({"me"}), leases)
    await ownership.start()
    try:
        await guarded(leases.all_started.wait(), "eight renewals under way at once")
        assert leases.most_at_once == 8
    finally:
        await ownership.stop(grace=1)


class BrokenLeases(Leases):
    """Renewals fail with an error the ownership loop does not expect."""

    async def renew(self, partition: int, revision: int) -> int | None:
        raise RuntimeError("unexpected")


async def test_an_unexpected_error_that_ends_the_loop_is_logged_as_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ownership = _ownership(frozenset({"me"}), BrokenLeases())
    with caplog.at_level(logging.ERROR, logger="concierge_common.bus.ownership"):
        await ownership.start()  # takes every partition; the next tick's renewals fail
        try:
            await wait_until(lambda: any(r.levelno == logging.ERROR for r in caplog.records))
        finally:
            await ownership.stop(grace=1)
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.getMessage() == "partition ownership stopped: RuntimeError"
