"""Partitioned pull loops: per-conversation order, parallelism across conversations.

One loop per partition fetches one message at a time from its durable
consumer (``max_ack_pending=1`` for ordered flows), decodes it, runs the
handler with the message's ids bound for logging, keeps the delivery alive
while the handler runs, and hands the result to :func:`settle`.

Stopping is graceful and prompt: a loop waiting in a fetch abandons it at
once (the server forgets a pull request whose subscription is gone, so no
message is delivered to it), the message being handled is finished (or left
to redelivery once the grace period is over), then the subscriptions are
removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import nats.errors
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from concierge_common import context, metrics
from concierge_common.bus.settle import DeadLetters, Outcome, RetryPolicy, settle
from concierge_common.bus.topology import ConsumerSpec, Topology
from concierge_common.errors import ConciergeError, PermanentError
from concierge_common.messages import BusMessage, Codec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """What a handler may know about the delivery it is handling."""

    attempt: int
    subject: str
    stream_sequence: int


Handler = Callable[[BusMessage, Delivery], Awaitable[None]]
Recover = Callable[[], Awaitable[None]]


class PartitionedConsumer:
    """Runs ``handler`` over one flow for one service, one loop per partition."""

    def __init__(
        self,
        nc: NATS,
        topology: Topology,
        spec: ConsumerSpec,
        codec: Codec,
        handler: Handler,
        *,
        policy: RetryPolicy,
        fetch_timeout: float,
        ack_wait: float,
        recover: Recover | None = None,
    ) -> None:
        self._nc = nc
        self._js: JetStreamContext = nc.jetstream()
        self._topology = topology
        self._spec = spec
        self._codec = codec
        self._handler = handler
        self._policy = policy
        self._fetch_timeout = fetch_timeout
        self._ack_wait = ack_wait
        self._recover = recover
        self._dead_letters = DeadLetters(nc, topology, spec.service)
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._subs: dict[int, JetStreamContext.PullSubscription] = {}
        self._last_tick = time.monotonic()
        self._in_flight = 0
        self._stop_waiter: asyncio.Future[Any] | None = None

    @property
    def spec(self) -> ConsumerSpec:
        return self._spec

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def seconds_since_tick(self) -> float:
        """How long since any loop of this consumer last completed a fetch."""
        return time.monotonic() - self._last_tick

    async def start(self) -> None:
        # One waiter for the stop, shared by every fetch of every loop (not one per fetch).
        self._stop_waiter = asyncio.ensure_future(self._stopping.wait())
        for part in range(self._topology.partitions):
            self._subs[part] = await self._bind(part)
            self._tasks.append(asyncio.create_task(self._loop(part), name=self._name(part)))

    async def stop(self, grace: float) -> None:
        """Stop fetching, let in-flight handlers finish within ``grace`` seconds."""
        self._stopping.set()
        if self._stop_waiter is not None:
            await self._stop_waiter
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=grace + self._fetch_timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        for sub in self._subs.values():
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        self._subs.clear()

    def _name(self, part: int) -> str:
        return self._topology.consumer_name(self._spec, part)

    async def _bind(self, part: int) -> JetStreamContext.PullSubscription:
        return await self._js.pull_subscribe_bind(
            durable=self._name(part), stream=self._topology.stream
        )

    async def _loop(self, part: int) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                msgs = await self._fetch_unless_stopping(part)
            except nats.errors.TimeoutError:
                self._tick()
                failures = 0
                continue
            except Exception as exc:
                failures += 1
                await self._after_fetch_error(part, exc, failures)
                continue
            self._tick()
            failures = 0
            for msg in msgs:
                await self._process(msg)

    async def _fetch_unless_stopping(self, part: int) -> list[Msg]:
        """One fetch; an empty list when the consumer stops before a message comes.

        A fetch that already returned a message is never thrown away: the
        message is handled (within the stop's grace period) like any other.
        """
        assert self._stop_waiter is not None  # set by start(), before any loop runs
        fetching = asyncio.ensure_future(self._subs[part].fetch(1, timeout=self._fetch_timeout))
        try:
            either: set[asyncio.Future[Any]] = {fetching, self._stop_waiter}
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not fetching.done():
                fetching.cancel()
            await asyncio.wait({fetching})
        if fetching.cancelled():
            return []
        return fetching.result()

    def _tick(self) -> None:
        self._last_tick = time.monotonic()
        metrics.LOOP_TICK.labels(self._spec.service, self._spec.flow).set(time.time())

    async def _after_fetch_error(self, part: int, exc: Exception, failures: int) -> None:
        metrics.FETCH_ERRORS.labels(self._spec.service, self._spec.flow).inc()
        log.warning("pull loop error: %s", type(exc).__name__, extra={"partition": part})
        await asyncio.sleep(min(0.1 * 2**failures, 5.0))
        if failures % 3 or self._stopping.is_set():
            return
        # Repeated errors: the server may have restarted without our consumers.
        with contextlib.suppress(Exception):
            if self._recover is not None:
                await self._recover()
            old = self._subs[part]
            self._subs[part] = await self._bind(part)
            await old.unsubscribe()
            log.info("pull loop re-bound", extra={"partition": part})

    async def _process(self, msg: Msg) -> None:
        labels = (self._spec.service, self._spec.flow)
        started = time.perf_counter()
        self._in_flight += 1
        metrics.IN_FLIGHT.labels(*labels).inc()
        try:
            error = await self._run_handler(msg)
            outcome = await settle(
                msg,
                self._spec.flow,
                error,
                policy=self._policy,
                dead_letters=self._dead_letters,
                service=self._spec.service,
            )
            if outcome is Outcome.UNSETTLED:
                log.warning("delivery left to redelivery")
        finally:
            self._in_flight -= 1
            metrics.IN_FLIGHT.labels(*labels).dec()
            metrics.HANDLE_SECONDS.labels(*labels).observe(time.perf_counter() - started)

    async def _run_handler(self, msg: Msg) -> BaseException | None:
        meta = msg.metadata
        if meta.num_delivered > self._policy.max_deliver:
            return PermanentError(
                f"delivered {meta.num_delivered} times without being settled (crash loop?)"
            )
        try:
            message = self._codec.decode(msg.data)
        except PermanentError as exc:
            return exc
        delivery = Delivery(
            attempt=meta.num_delivered, subject=msg.subject, stream_sequence=meta.sequence.stream
        )
        keepalive = asyncio.create_task(self._keep_alive(msg))
        try:
            with context.bound(
                conversation_id=message.conversation_id,
                message_id=message.message_id,
                correlation_id=message.correlation_id,
            ):
                await self._handler(message, delivery)
        except Exception as exc:
            if not isinstance(exc, ConciergeError):
                log.exception("unexpected error in handler")
            return exc
        finally:
            keepalive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keepalive
        return None

    async def _keep_alive(self, msg: Msg) -> None:
        """Tell the server we are still working, so a slow handler is not redelivered."""
        interval = max(self._ack_wait / 3, 0.5)
        while True:
            await asyncio.sleep(interval)
            with contextlib.suppress(Exception):
                await msg.in_progress()
