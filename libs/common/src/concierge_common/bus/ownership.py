"""Partition ownership: each replica of a service owns its share of the partitions.

A loop ticks every ``period`` (a third of the lease time). Each tick:

1. announces this replica (:class:`~concierge_common.bus.roster.Roster`);
2. renews every lease held. A renewal that fails for a moment (NATS
   reconnecting, a cluster electing the bucket's leader) is tried again on the
   next tick, as long as the lease has not run out; a lease that ran out while
   nobody took it is taken back at once (the partition goes on, nothing moves);
   a lease somebody else holds is *lost*: the partition stops at once;
3. computes the partitions this replica should own among the live replicas
   (:func:`~concierge_common.bus.assignment.wanted`);
4. hands back the partitions it owns but should not: their consumers stop
   fetching and settle what they hold, then the lease is marked free, saying
   whether the hand-back was clean (:class:`HandBack`);
5. tries to take the partitions it should own but does not, telling the
   consumers whether the last owner handed the partition over cleanly.

The same code runs for one replica (it owns everything) and for many. A
replica that joins is heard on the next tick of the others, which hand over
its share; one that dies stops renewing, its leases run out, and the others
take its partitions over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from enum import IntEnum
from typing import Protocol

from nats.errors import Error as NatsError
from nats.js.errors import APIError

from concierge_common.bus import assignment, metrics
from concierge_common.bus.leases import Leases
from concierge_common.bus.roster import Roster
from concierge_common.metrics import child

log = logging.getLogger(__name__)


class HandBack(IntEnum):
    """How a partition was handed back, from best to worst (the worst user's counts)."""

    # Everything acked or handed back (nak): nothing pending that is not due again.
    CLEAN = 0
    # Settled here, but some deliveries may stay pending until their ack deadline.
    UNSETTLED = 1
    # Cut short (the stop's grace period is over): the lease is left to run out.
    ABANDONED = 2


class PartitionUser(Protocol):
    """What ownership drives: something that runs partitions (a flow consumer)."""

    async def acquired(self, partition: int, *, clean: bool) -> None:
        """Run the partition; ``clean``: its last owner left nothing pending that is not due."""
        ...

    async def release(self, partition: int) -> HandBack:
        """Stop the partition and settle what it holds; say how clean that was."""
        ...

    async def abandon(self) -> None:
        """Stop everything at once, settling nothing (the stop's grace period is over)."""
        ...


class Ownership:
    """Takes, keeps and hands back the partition leases of one replica of a service."""

    def __init__(
        self,
        service: str,
        partitions: int,
        roster: Roster,
        leases: Leases,
        *,
        period: float,
        instance: str,
    ) -> None:
        self._service = service
        self._partitions = partitions
        self._roster = roster
        self._leases = leases
        self._period = period
        self._instance = instance
        self._users: list[PartitionUser] = []
        self._held: dict[int, int] = {}
        self._renewed_at: dict[int, float] = {}
        self._moving: dict[int, asyncio.Task[None]] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopped = asyncio.Event()
        # Lease writes (renew, release) one at a time, so a revision is never used twice.
        self._lock = asyncio.Lock()
        self._last_tick = time.monotonic()

    @property
    def period(self) -> float:
        return self._period

    @property
    def owned(self) -> frozenset[int]:
        return frozenset(self._held)

    def seconds_since_tick(self) -> float:
        return time.monotonic() - self._last_tick

    def add(self, user: PartitionUser) -> None:
        self._users.append(user)

    async def start(self) -> None:
        """Join the roster and take a first share before returning (then tick in the background)."""
        await self._roster.start()
        await self.tick()
        self._task = asyncio.create_task(self._run(), name=f"ownership-{self._service}")
        self._task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        """Say it loudly when the loop ends on an error it does not expect: the replica then
        stops announcing itself and renewing, and the others take its partitions as its
        leases run out (its readiness fails too: no tick)."""
        if task.cancelled() or task.exception() is None:
            return
        error = task.exception()
        log.error("partition ownership stopped: %s", type(error).__name__, exc_info=error)

    async def stop(self, grace: float) -> None:
        """Hand every partition back, settling what is held within ``grace`` seconds.

        What is still running after ``grace`` is abandoned: its leases are not
        freed, so they run out and the next owner waits for the deliveries to
        come back (their ack deadline) before it fetches.
        """
        self._stopped.set()
        if self._task is not None:
            self._task.cancel()
            # A tick in a NATS call ends with that call (its own timeout) and stops there.
            await asyncio.wait({self._task})
        handing_back = asyncio.gather(
            *self._moving.values(), *(self._hand_back(p) for p in list(self._held))
        )
        try:
            await asyncio.wait_for(asyncio.shield(handing_back), timeout=grace)
        except TimeoutError:
            log.warning("grace period over; abandoning what is still running")
            await asyncio.gather(*(user.abandon() for user in self._users))
            await asyncio.gather(handing_back, return_exceptions=True)
        await self._roster.leave()

    async def _run(self) -> None:
        # A stop is an event, not only a cancellation: nats-py turns a cancellation
        # that lands inside a JetStream publish into one of its own errors.
        while not self._stopped.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), timeout=self._period)
                return
            try:
                await self.tick()
            except (NatsError, APIError, OSError) as exc:
                log.warning("ownership tick failed: %s", type(exc).__name__)

    async def tick(self) -> None:
        await self._roster.announce()
        await self._renew()
        wanted = assignment.wanted(
            self._service, self._partitions, self._roster.members(), self._instance
        )
        for part in self.owned - wanted:
            if part not in self._moving:
                self._moving[part] = asyncio.create_task(self._hand_back_then_forget(part))
        for part in sorted(wanted - self.owned):
            if part not in self._moving and not self._stopped.is_set():
                await self._take(part)
        self._last_tick = time.monotonic()
        child(metrics.PARTITIONS_OWNED, self._service).set(len(self._held))

    async def _renew(self) -> None:
        """Renew every held lease at once: one round trip for all, however busy the loop.

        Renewing one after the other made a busy replica's last leases wait for the
        first ones' round trips; under load (a slow event loop) that outlasted the
        lease time, and partitions ran out while their owner was alive.
        """
        async with self._lock:
            parts = list(self._held)
            if self._stopped.is_set() or not parts:
                return
            results = await asyncio.gather(
                *(self._renewed(part) for part in parts), return_exceptions=True
            )
            for part, result in zip(parts, results, strict=True):
                self._settle_renewal(part, result)

    def _settle_renewal(self, part: int, result: int | BaseException | None) -> None:
        """Record a renewal's outcome: renewed, failed for a moment, or the lease lost."""
        if isinstance(result, NatsError | APIError | OSError):
            if time.monotonic() - self._renewed_at[part] < self._lease_time:
                log.warning("lease renewal failed: %s", type(result).__name__)
                return
            result = None
        elif isinstance(result, BaseException):
            raise result
        if result is not None:
            self._held[part] = result
            self._renewed_at[part] = time.monotonic()
            return
        log.warning("partition lease lost", extra={"partition": part})
        del self._held[part]
        self._moving[part] = asyncio.create_task(self._stop_lost(part))

    @property
    def _lease_time(self) -> float:
        return 3 * self._period

    async def _renewed(self, part: int) -> int | None:
        """The lease's new revision: renewed, or taken back if it ran out unclaimed."""
        renewed = await self._leases.renew(part, self._held[part])
        if renewed is None:
            renewed = await self._leases.reclaim(part)
            if renewed is not None:
                log.warning("partition lease ran out; taken back", extra={"partition": part})
        return renewed

    async def _stop_lost(self, part: int) -> None:
        try:
            await asyncio.gather(*(user.release(part) for user in self._users))
        finally:
            self._moving.pop(part, None)

    async def _take(self, part: int) -> None:
        taken = await self._leases.acquire(part)
        if taken is None:
            return
        self._held[part] = taken.revision
        self._renewed_at[part] = time.monotonic()
        log.info("partition taken", extra={"partition": part, "clean": taken.clean})
        for user in self._users:
            await user.acquired(part, clean=taken.clean)

    async def _hand_back_then_forget(self, part: int) -> None:
        try:
            await self._hand_back(part)
        finally:
            self._moving.pop(part, None)

    async def _hand_back(self, part: int) -> None:
        """Stop the partition everywhere; free the lease only if nothing was abandoned,
        saying whether the next owner must wait for deliveries still pending."""
        outcomes = await asyncio.gather(*(user.release(part) for user in self._users))
        how = max(outcomes, default=HandBack.CLEAN)
        async with self._lock:
            revision = self._held.pop(part, None)
            if revision is None:
                return  # lost meanwhile
            if how is not HandBack.ABANDONED:
                with contextlib.suppress(NatsError, APIError, OSError):
                    await self._leases.release(part, revision, clean=how is HandBack.CLEAN)
        settled = how is not HandBack.ABANDONED  # its lease freed
        extra = {"partition": part, "settled": settled, "clean": how is HandBack.CLEAN}
        log.info("partition handed back", extra=extra)
