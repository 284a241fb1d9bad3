"""A flow consumer: the partitions this replica owns, each conversation an actor.

For each partition it owns (:mod:`concierge_common.bus.ownership`), a fetch
loop pulls deliveries from the partition's durable consumer, as long as the
replica holds fewer than ``prefetch`` deliveries of the flow: one at a time
while the partition is idle, in batches while messages flow
(:mod:`concierge_common.bus.pacing`).
Each delivery goes to its conversation's mailbox
(:mod:`concierge_common.bus.mailboxes`): one conversation's messages are
handled one at a time and in order, different conversations at the same time,
at most ``concurrency`` handlers at once. Everything held is kept alive on the
server (``in_progress``) while it waits or runs, so nothing is redelivered to
anyone while this replica has it.

A failed handler is tried again inside its conversation
(:func:`concierge_common.bus.settle.decide`); the conversation's later
messages wait behind it, the others do not.

Order across owners. A partition that moves is handed back only once
everything held of it is settled: queued deliveries are handled, a delivery
waiting to be tried again is handed back (nak) with the rest of its
conversation. A fetch under way when the partition stops is let finish (only an
abandon cuts it short): what it brings is handed back too, each delivery after
the ones of its conversation already held, so that nothing this replica received
is left waiting on the server for its ack deadline. A delivery handed back is due again at once, and
the server redelivers due deliveries first, before any new message: after such a
clean hand-over (:class:`~concierge_common.bus.ownership.HandBack`) the new owner
fetches at once. Otherwise (its predecessor died, was stopped while still
waiting for deliveries of its own predecessor, or could not confirm an ack or a
hand-back) a new owner that finds deliveries still pending on the server waits
one ack deadline before fetching: by then every one of them is due again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from concierge_common import context, tracing
from concierge_common.bus import metrics
from concierge_common.bus.mailboxes import Mailboxes
from concierge_common.bus.ownership import HandBack
from concierge_common.bus.pacing import Fetch, FetchPacing
from concierge_common.bus.settle import (
    DeadLetters,
    Decision,
    Outcome,
    RetryPolicy,
    Settler,
    decide,
)
from concierge_common.bus.topology import REPLAY_FOR_HEADER, ConsumerSpec, Topology
from concierge_common.contracts.messages import BusMessage, Codec
from concierge_common.errors import BusUnavailable, ConciergeError, PermanentError
from concierge_common.metrics import child

log = logging.getLogger(__name__)

# Seconds past a fetch's timeout after which the server has surely dropped the request.
REQUEST_MARGIN = 0.2


@dataclass(frozen=True)
class Delivery:
    """What a handler may know about the delivery it is handling."""

    attempt: int
    subject: str
    stream_sequence: int


Handler = Callable[[BusMessage, Delivery], Awaitable[None]]
Recover = Callable[[int], Awaitable[None]]  # declares a partition's consumer again


@dataclass(frozen=True)
class Capacity:
    """How much one replica takes on for one flow."""

    concurrency: int
    prefetch: int


@dataclass(eq=False)
class _Lane:
    """One owned partition: its fetch loop and what this replica holds of it."""

    partition: int
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    abandoned: asyncio.Event = field(default_factory=asyncio.Event)
    settled: asyncio.Event = field(default_factory=asyncio.Event)
    # Its fetch loop has ended: nothing more comes to this replica for the partition.
    fetched: asyncio.Event = field(default_factory=asyncio.Event)
    held: dict[int, _Held] = field(default_factory=dict)
    yielded: set[str] = field(default_factory=set)
    task: asyncio.Task[None] | None = None
    last_tick: float = field(default_factory=time.monotonic)
    # Until when (monotonic) the server may still answer this lane's last fetch.
    requested_until: float = 0.0
    # Until when (monotonic) something of this partition may stay pending on the
    # server without being due again: a hand-back before then is not clean.
    unsettled_until: float = 0.0


@dataclass(eq=False)
class _Held:
    """A delivery this replica holds, queued in its conversation's mailbox or running."""

    msg: Msg
    sequence: int
    conversation: str
    lane: _Lane
    since: float = field(default_factory=time.monotonic)
    started: bool = False
    # Received after its partition began to stop: handed back in its turn, not handled.
    late: bool = False


class FlowConsumer:
    """Runs ``handler`` over one flow of one service, for the partitions this replica owns."""

    def __init__(
        self,
        nc: NATS,
        topology: Topology,
        spec: ConsumerSpec,
        codec: Codec,
        handler: Handler,
        *,
        policy: RetryPolicy,
        capacity: Capacity,
        fetch_timeout: float,
        ack_wait: float,
        recover: Recover | None = None,
    ) -> None:
        self._js: JetStreamContext = nc.jetstream()
        self._topology = topology
        self._spec = spec
        self._codec = codec
        self._handler = handler
        self._policy = policy
        self._capacity = capacity
        self._fetch_timeout = fetch_timeout
        self._ack_wait = ack_wait
        self._recover = recover
        self._settler = Settler(
            nc, DeadLetters(nc, topology, spec.service), spec.service, spec.flow
        )
        self._slots = asyncio.Semaphore(capacity.concurrency)
        self._mailboxes: Mailboxes[_Held] = Mailboxes(self._work, name=self._label)
        self._lanes: dict[int, _Lane] = {}
        self._held_total = 0
        self._room = asyncio.Event()
        self._room.set()
        self._ticker: asyncio.Task[None] | None = None
        self._closed = False
        self._labels = (spec.service, spec.flow)

    @property
    def spec(self) -> ConsumerSpec:
        return self._spec

    @property
    def _label(self) -> str:
        return f"{self._spec.service}-{self._spec.flow}"

    @property
    def held(self) -> int:
        return self._held_total

    def stalled_for(self) -> float:
        """Seconds since the least recent fetch loop of an owned partition last ticked."""
        now = time.monotonic()
        return max((now - lane.last_tick for lane in self._lanes.values()), default=0.0)

    def start(self) -> None:
        child(metrics.CONCURRENCY, *self._labels).set(self._capacity.concurrency)
        self._ticker = asyncio.create_task(self._keep_alive(), name=f"{self._label}-keepalive")

    async def close(self) -> None:
        """After every partition was handed back or abandoned: stop the keep-alive ticker."""
        self._closed = True
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker

    # -- ownership (concierge_common.bus.ownership.PartitionUser) --------------------

    async def acquired(self, partition: int, *, clean: bool) -> None:
        """Run the partition; over a clean hand-over it fetches at once."""
        lane = _Lane(partition)
        self._lanes[partition] = lane
        fetching = self._fetch_loop(lane, clean=clean)
        lane.task = asyncio.create_task(fetching, name=self._name(partition))

    async def release(self, partition: int) -> HandBack:
        """Stop the partition once everything held of it is settled; how clean that was."""
        lane = self._lanes.get(partition)
        if lane is None:
            return HandBack.CLEAN
        lane.stopping.set()
        if lane.task is not None:
            await asyncio.gather(lane.task, return_exceptions=True)
        if not lane.held:
            lane.settled.set()
        await lane.settled.wait()
        if self._lanes.get(partition) is lane:
            del self._lanes[partition]
        if not lane.abandoned.is_set() and not await self._settler.confirm():
            self._unsettled(lane)  # its acks may not have reached the server
        return _hand_back(lane)

    async def abandon(self) -> None:
        """Stop everything now, settling nothing (the server redelivers after ack_wait)."""
        for lane in self._lanes.values():
            lane.abandoned.set()
            lane.stopping.set()
        await self._mailboxes.cancel()
        for lane in self._lanes.values():
            lane.settled.set()

    # -- fetching ------------------------------------------------------------------

    def _name(self, partition: int) -> str:
        return self._topology.consumer_name(self._spec, partition)

    async def _bind(self, partition: int) -> JetStreamContext.PullSubscription:
        return await self._js.pull_subscribe_bind(
            durable=self._name(partition), stream=self._topology.stream
        )

    async def _fetch_loop(self, lane: _Lane, *, clean: bool) -> None:
        try:
            await self._fetch_until_stopped(lane, clean=clean)
        finally:
            lane.fetched.set()

    async def _fetch_until_stopped(self, lane: _Lane, *, clean: bool) -> None:
        sub = await self._bind(lane.partition)
        stop_waiter = asyncio.ensure_future(lane.stopping.wait())
        pacing = FetchPacing(idle_wait=self._fetch_timeout)
        try:
            if not clean:
                await self._let_leftovers_return(lane)
            failures = 0
            while not lane.stopping.is_set():
                if not await self._wait_for_room(lane, stop_waiter):
                    break
                fetch = pacing.next(self._capacity.prefetch - self._held_total)
                # A request nats-py gave up on may outlive the fetch that sent it.
                lane.requested_until = max(lane.requested_until, time.monotonic() + fetch.timeout)
                try:
                    msgs = await self._fetch_unless_abandoned(sub, fetch, lane)
                except TimeoutError:  # nats' own TimeoutError derives from it
                    msgs = []
                except Exception as exc:
                    failures += 1
                    sub = await self._after_fetch_error(lane, sub, exc, failures)
                    continue
                pacing.fetched(fetch, len(msgs), _waiting_behind(msgs))
                self._tick(lane)
                failures = 0
                for msg in msgs:
                    self._accept(lane, msg)
        finally:
            stop_waiter.cancel()
            await self._let_requests_expire(sub, lane)
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _let_requests_expire(
        self, sub: JetStreamContext.PullSubscription, lane: _Lane
    ) -> None:
        """Wait until the server dropped this lane's last fetch, taking what it still sent.

        A fetch that returned (a short batch, or the client's own timeout) may still
        be waiting on the server: a delivery handed back meanwhile would be sent to
        it again, and lost with the subscription until its ack deadline.
        """
        if lane.abandoned.is_set():
            return
        wait = lane.requested_until + REQUEST_MARGIN - time.monotonic()
        if wait > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lane.abandoned.wait(), timeout=wait)
        for msg in _strays(sub):
            self._accept(lane, msg)

    async def _let_leftovers_return(self, lane: _Lane) -> None:
        """Wait one ack deadline if deliveries of another owner are still pending."""
        try:
            info = await self._js.consumer_info(self._topology.stream, self._name(lane.partition))
        except Exception as exc:  # unknown: be safe
            log.warning("consumer state unknown: %s", type(exc).__name__)
            pending = 1
        else:
            pending = info.num_ack_pending
        if not pending:
            return
        log.info(
            "partition taken with deliveries pending; waiting for them to come back",
            extra={"partition": lane.partition, "pending": pending, "wait_s": self._ack_wait},
        )
        deadline = time.monotonic() + self._ack_wait
        lane.unsettled_until = max(lane.unsettled_until, deadline)
        while not lane.stopping.is_set() and time.monotonic() < deadline:
            self._tick(lane)
            with contextlib.suppress(TimeoutError):
                step = min(self._fetch_timeout, max(deadline - time.monotonic(), 0.0))
                await asyncio.wait_for(lane.stopping.wait(), timeout=step)

    def _tick(self, lane: _Lane) -> None:
        lane.last_tick = time.monotonic()
        child(metrics.LOOP_TICK, *self._labels).set(time.time())

    async def _wait_for_room(self, lane: _Lane, stop_waiter: asyncio.Future[Any]) -> bool:
        """Wait until this flow holds fewer than ``prefetch``; False if stopping first."""
        while self._held_total >= self._capacity.prefetch:
            self._tick(lane)  # full, not stalled
            self._room.clear()
            room = asyncio.ensure_future(self._room.wait())
            await asyncio.wait(
                {room, stop_waiter},
                timeout=self._fetch_timeout,
                return_when=asyncio.FIRST_COMPLETED,
            )
            room.cancel()
            if stop_waiter.done():
                return False
        return True

    async def _fetch_unless_abandoned(
        self, sub: JetStreamContext.PullSubscription, fetch: Fetch, lane: _Lane
    ) -> list[Msg]:
        """One fetch, let finish even when the partition stops meanwhile.

        Cutting a fetch short would lose what the server already sent to it:
        those deliveries would stay pending, for nobody, until their ack
        deadline. Only an abandon (the stop's grace period is over) cuts it
        short, and then returns an empty list.
        """
        fetching = asyncio.ensure_future(sub.fetch(fetch.batch, timeout=fetch.timeout))
        abandoned = asyncio.ensure_future(lane.abandoned.wait())
        try:
            await asyncio.wait({fetching, abandoned}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            abandoned.cancel()
            if not fetching.done():
                fetching.cancel()
            await asyncio.wait({fetching})
        if fetching.cancelled():
            return []
        return fetching.result()

    async def _after_fetch_error(
        self,
        lane: _Lane,
        sub: JetStreamContext.PullSubscription,
        exc: Exception,
        failures: int,
    ) -> JetStreamContext.PullSubscription:
        child(metrics.FETCH_ERRORS, *self._labels).inc()
        log.warning("pull loop error: %s", type(exc).__name__, extra={"partition": lane.partition})
        self._unsettled(lane)  # what the failed fetch was sent stays pending until its deadline
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(lane.stopping.wait(), timeout=min(0.1 * 2**failures, 5.0))
        if failures % 3 or lane.stopping.is_set():
            return sub
        # Repeated errors: the server may have restarted without our consumers. Only
        # this partition's consumer is declared again: every lane of every replica
        # fails together while a cluster elects leaders, and declaring everything
        # from each of them flooded the JetStream API just when it was slowest.
        try:
            if self._recover is not None:
                await self._recover(lane.partition)
            fresh = await self._bind(lane.partition)
        except Exception as error:
            log.warning("re-bind failed: %s", type(error).__name__)
            return sub
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
        log.info("pull loop re-bound", extra={"partition": lane.partition})
        return fresh

    def _accept(self, lane: _Lane, msg: Msg) -> None:
        sequence = msg.metadata.sequence.stream
        known = lane.held.get(sequence)
        if known is not None:  # redelivered while we hold it (a missed keep-alive)
            known.msg = msg
            return
        item = _Held(msg, sequence, msg.subject.rsplit(".", 1)[-1], lane)
        item.late = lane.stopping.is_set()
        lane.held[sequence] = item
        lane.settled.clear()
        self._held_total += 1
        child(metrics.MAILBOX_DEPTH, *self._labels).inc()
        self._mailboxes.post(item.conversation, item)

    def _unsettled(self, lane: _Lane) -> None:
        """Something of ``lane`` may stay pending, not due, for up to one ack deadline."""
        lane.unsettled_until = max(lane.unsettled_until, time.monotonic() + self._ack_wait)

    def _settled(self, item: _Held, outcome: Outcome) -> None:
        if outcome is Outcome.UNSETTLED:  # not confirmed: it may still be pending
            self._unsettled(item.lane)

    async def _give_back(self, item: _Held) -> None:
        """Hand a delivery back once its partition's fetches are over.

        The server redelivers a delivery handed back at once: to a fetch still under
        way here, it would come back behind its conversation's later messages and be
        handed back again after them, out of order.
        """
        await item.lane.fetched.wait()
        self._settled(item, await self._settler.give_back(item.msg))

    def _forget(self, item: _Held) -> None:
        lane = item.lane
        if lane.held.pop(item.sequence, None) is None:
            return
        self._held_total -= 1
        if not item.started:
            child(metrics.MAILBOX_DEPTH, *self._labels).dec()
        if self._held_total < self._capacity.prefetch:
            self._room.set()
        if not lane.held:
            lane.settled.set()

    async def _keep_alive(self) -> None:
        """Every second: the oldest waiting delivery's age; every ack_wait/3: keep-alives."""
        interval = max(self._ack_wait / 3, 0.5)
        last = time.monotonic()
        while not self._closed:
            await asyncio.sleep(min(1.0, interval))
            now = time.monotonic()
            items = [item for lane in self._lanes.values() for item in lane.held.values()]
            waiting = [now - item.since for item in items if not item.started]
            child(metrics.OLDEST_WAITING, *self._labels).set(max(waiting, default=0.0))
            if now - last < interval:
                continue
            last = now
            for item in items:
                with contextlib.suppress(Exception):
                    await item.msg.in_progress()

    # -- handling ------------------------------------------------------------------

    async def _work(self, item: _Held) -> None:
        """Handle one delivery in its conversation's turn, then settle it."""
        try:
            if item.late or item.conversation in item.lane.yielded:
                # Received while stopping, or an earlier message of this conversation
                # was handed back: this one goes back too, after those before it.
                await self._give_back(item)
                return
            await self._handle(item)
        finally:
            self._forget(item)

    async def _handle(self, item: _Held) -> None:
        if _replayed_for_another(item.msg, self._spec.service):
            # A dead letter replayed for the service of this flow that failed it: this
            # service handled the original already (concierge_common.bus.dead_letter_admin).
            self._settled(item, await self._settler.ack(item.msg))
            return
        attempt = item.msg.metadata.num_delivered
        message = self._decode(item.msg)
        if attempt > self._policy.max_deliver and isinstance(message, BusMessage):
            message = PermanentError(f"delivered {attempt} times without being settled")
        while True:
            if isinstance(message, BusMessage):
                error = await self._attempt(item, message, attempt)
            else:
                error = message
            decision = decide(error, attempt, self._policy)
            if decision.outcome is Outcome.ACKED:
                self._settled(item, await self._settler.ack(item.msg))
                return
            if decision.outcome is Outcome.DEAD_LETTERED:
                assert error is not None
                await self._dead_letter(item, error, decision, attempt)
                return
            if not await self._retry_later(item, error, attempt, decision):
                return
            attempt += 1

    def _decode(self, msg: Msg) -> BusMessage | PermanentError:
        try:
            return self._codec.decode(msg.data)
        except PermanentError as exc:
            return exc

    async def _attempt(self, item: _Held, message: BusMessage, attempt: int) -> Exception | None:
        async with self._slots:
            if not item.started:
                item.started = True
                child(metrics.MAILBOX_DEPTH, *self._labels).dec()
            started = time.perf_counter()
            child(metrics.IN_FLIGHT, *self._labels).inc()
            try:
                return await self._run_handler(item, message, attempt)
            finally:
                child(metrics.IN_FLIGHT, *self._labels).dec()
                elapsed = time.perf_counter() - started
                child(metrics.HANDLE_SECONDS, *self._labels).observe(elapsed)

    async def _run_handler(
        self, item: _Held, message: BusMessage, attempt: int
    ) -> Exception | None:
        msg = item.msg
        delivery = Delivery(attempt=attempt, subject=msg.subject, stream_sequence=item.sequence)
        service, flow = self._labels
        try:
            with (
                context.bound(
                    conversation_id=message.conversation_id,
                    message_id=message.message_id,
                    correlation_id=message.correlation_id,
                ),
                tracing.consuming(service, flow, msg.headers, message, attempt),
            ):
                await self._handler(message, delivery)
        except Exception as exc:
            if not isinstance(exc, ConciergeError):
                log.exception("unexpected error in handler")
            return exc
        return None

    async def _retry_later(
        self, item: _Held, error: BaseException | None, attempt: int, decision: Decision
    ) -> bool:
        """Wait before the next attempt; False when the delivery was handed back instead."""
        self._settler.count(Outcome.RETRIED)
        log.warning(
            "handler failed (%s), trying again",
            type(error).__name__,
            extra={
                "error_type": type(error).__name__,
                "attempt": attempt,
                "delay_s": decision.delay,
            },
        )
        if await _stopped_within(item.lane.stopping, decision.delay):
            item.lane.yielded.add(item.conversation)
            await self._give_back(item)
            return False
        return True

    async def _dead_letter(
        self, item: _Held, error: BaseException, decision: Decision, attempts: int
    ) -> None:
        """Dead-letter; while the bus cannot store the copy, try again (an outage)."""
        tries = 0
        while True:
            try:
                await self._settler.dead_letter(item.msg, error, decision.reason, attempts)
                return
            except BusUnavailable:
                tries += 1
            log.warning("dead-letter copy not stored, trying again", extra={"tries": tries})
            if await _stopped_within(item.lane.stopping, self._policy.delay(tries)):
                item.lane.yielded.add(item.conversation)
                await self._give_back(item)
                return


def _replayed_for_another(msg: Msg, service: str) -> bool:
    target = (msg.headers or {}).get(REPLAY_FOR_HEADER)
    return target is not None and target != service


def _waiting_behind(msgs: list[Msg]) -> int | None:
    """How many messages the server still held for the consumer behind the last one."""
    if not msgs:
        return None
    try:
        return msgs[-1].metadata.num_pending
    except Exception:  # not a JetStream delivery (a test's stand-in): unknown
        return None


def _strays(sub: JetStreamContext.PullSubscription) -> list[Msg]:
    """Deliveries that reached the subscription after its last fetch returned."""
    queue = sub._sub._pending_queue  # nats-py keeps them for the next fetch
    strays: list[Msg] = []
    while not queue.empty():
        msg = queue.get_nowait()
        if not JetStreamContext.is_status_msg(msg):
            strays.append(msg)
    return strays


def _hand_back(lane: _Lane) -> HandBack:
    """How a stopped lane was handed back."""
    if lane.abandoned.is_set():
        return HandBack.ABANDONED
    if time.monotonic() < lane.unsettled_until:
        return HandBack.UNSETTLED
    return HandBack.CLEAN


async def _stopped_within(stopping: asyncio.Event, seconds: float) -> bool:
    """Wait ``seconds``; True (at once) if ``stopping`` is set meanwhile."""
    try:
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True
