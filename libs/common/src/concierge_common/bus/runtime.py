"""The lifecycle of one service process.

``start`` serves the side app, connects to NATS, declares the streams and starts
the readiness heartbeat (:mod:`concierge_common.bus.heartbeat`);
``consume`` declares this service's consumers, joins the service's replicas and
takes this replica's share of the partitions (:mod:`concierge_common.bus.ownership`);
``stop`` shuts down in the right order: not ready (a last heartbeat says so), hand
every partition back (stop fetching, settle what is held within the grace period,
free the leases), drain NATS, run the service's own closers, stop the side app.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from nats.aio.client import Client as NATS

from concierge_common import logs, settings, tracing
from concierge_common.bus.connection import connect
from concierge_common.bus.consumer import Capacity, FlowConsumer, Handler
from concierge_common.bus.health import HttpServer, Readiness, side_app
from concierge_common.bus.heartbeat import HeartbeatPublisher, new_instance_id
from concierge_common.bus.leases import Leases
from concierge_common.bus.ownership import Ownership
from concierge_common.bus.patience import patiently
from concierge_common.bus.publisher import Publisher
from concierge_common.bus.roster import Roster
from concierge_common.bus.settle import RetryPolicy
from concierge_common.bus.topology import (
    ConsumerSpec,
    Topology,
    declare_consumer,
    declare_consumers,
    declare_streams,
)
from concierge_common.contracts.messages import BusMessage, Codec
from concierge_common.errors import ConfigError
from concierge_common.settings import BusSettings

log = logging.getLogger(__name__)

S = TypeVar("S", bound=BusSettings)

Closer = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class Subscription:
    """A flow this service consumes, the messages it accepts and its handler."""

    spec: ConsumerSpec
    accepts: tuple[type[BusMessage], ...]
    handler: Handler


class Runtime:
    """Connects one service to the bus and runs its consumers and side app."""

    def __init__(
        self,
        service: str,
        settings: BusSettings,
        *,
        health_port: int | None,
        health_host: str = "0.0.0.0",
        consumes: bool = True,
    ) -> None:
        """``consumes``: this replica will call :meth:`consume`; it is not ready until then."""
        self.service = service
        self._consumes = consumes
        self.instance = new_instance_id()
        self.settings = settings
        self.topology = Topology.from_settings(settings)
        self.readiness = Readiness()
        self._health = (
            HttpServer(side_app(service, self.readiness), health_host, health_port)
            if health_port is not None
            else None
        )
        self._nc: NATS | None = None
        self._publisher: Publisher | None = None
        self._consumers: list[FlowConsumer] = []
        self._ownership: Ownership | None = None
        self._closers: list[Closer] = []
        self._heartbeat: HeartbeatPublisher | None = None

    @property
    def nc(self) -> NATS:
        if self._nc is None:
            raise RuntimeError("runtime not started")
        return self._nc

    @property
    def publisher(self) -> Publisher:
        if self._publisher is None:
            raise RuntimeError("runtime not started")
        return self._publisher

    @property
    def owned_partitions(self) -> frozenset[int]:
        """The partitions this replica holds the lease of (all of them when alone)."""
        return self._ownership.owned if self._ownership is not None else frozenset()

    @property
    def health_port(self) -> int | None:
        return self._health.port if self._health else None

    def on_stop(self, closer: Closer) -> None:
        """Run ``closer`` (close a pool, a client...) after the bus is drained."""
        self._closers.append(closer)

    async def start(self) -> None:
        if self._health is not None:
            await self._health.start()
        self._nc = await connect(
            self.settings.nats_url,
            self.service,
            user=self.settings.nats_user,
            password=self.settings.nats_password,
        )
        self._publisher = Publisher(self._nc, self.topology)
        await patiently(self.declare, "declaring the streams")
        self.readiness.add("nats", self._nats_ready)
        if self._consumes:  # not ready (nor reported so by heartbeat) before its consumers run
            self.readiness.add("pull_loops", self._loops_ready)
        await self._start_heartbeat()
        log.info("service started", extra={"partitions": self.topology.partitions})

    async def _start_heartbeat(self) -> None:
        js = self.nc.jetstream()
        kv = await patiently(lambda: js.key_value(self.topology.health_bucket), "health bucket")
        self._heartbeat = HeartbeatPublisher(
            kv,
            self.service,
            self.readiness,
            period=self.settings.bus_heartbeat_seconds,
            instance=self.instance,
        )
        self._heartbeat.start()

    async def declare(self) -> None:
        """(Re)declare the streams and this service's consumers; idempotent."""
        js = self.nc.jetstream()
        await declare_streams(js, self.topology, self.settings)
        specs = tuple(consumer.spec for consumer in self._consumers)
        if specs:
            await declare_consumers(js, self.topology, self.settings, specs)

    async def consume(self, *subscriptions: Subscription) -> None:
        """Declare the flows' consumers, then take this replica's share of the partitions."""
        js = self.nc.jetstream()
        specs = tuple(sub.spec for sub in subscriptions)
        await patiently(
            lambda: declare_consumers(js, self.topology, self.settings, specs),
            "declaring the consumers",
        )
        ownership = await patiently(self._new_ownership, "joining the replicas")
        for sub in subscriptions:
            consumer = self._consumer(sub)
            consumer.start()
            ownership.add(consumer)
            self._consumers.append(consumer)
        self._ownership = ownership
        await ownership.start()
        self.readiness.add("pull_loops", self._loops_ready)  # already there unless consumes=False

    async def _new_ownership(self) -> Ownership:
        lease_time = self.settings.bus_lease_seconds
        kv = await self.nc.jetstream().key_value(self.topology.lease_bucket)
        roster = Roster(self.nc, self.topology, self.service, self.instance, expiry=lease_time)
        return Ownership(
            self.service,
            self.topology.partitions,
            roster,
            Leases(kv, self.service, self.instance),
            period=lease_time / 3,
            instance=self.instance,
        )

    def _consumer(self, sub: Subscription) -> FlowConsumer:
        settings = self.settings
        policy = RetryPolicy(max_deliver=settings.bus_max_deliver, delays=settings.retry_delays())
        capacity = Capacity(
            concurrency=sub.spec.concurrency or settings.bus_concurrency,
            prefetch=settings.bus_prefetch,
        )
        return FlowConsumer(
            self.nc,
            self.topology,
            sub.spec,
            Codec(*sub.accepts),
            sub.handler,
            policy=policy,
            capacity=capacity,
            fetch_timeout=settings.bus_fetch_timeout_seconds,
            ack_wait=sub.spec.ack_wait_seconds or settings.bus_ack_wait_seconds,
            recover=functools.partial(self._declare_again, sub.spec),
        )

    async def _declare_again(self, spec: ConsumerSpec, partition: int) -> None:
        """Declare one partition's consumer again; everything when its stream is gone too
        (a server restarted without its store)."""
        js = self.nc.jetstream()
        try:
            await declare_consumer(js, self.topology, self.settings, spec, partition)
        except ConfigError:
            await self.declare()

    async def _nats_ready(self) -> bool:
        return bool(self._nc is not None and self._nc.is_connected)

    async def _loops_ready(self) -> bool:
        limit = max(3 * self.settings.bus_fetch_timeout_seconds, 10.0)
        ownership = self._ownership
        if ownership is None or ownership.seconds_since_tick() > 3 * ownership.period + limit:
            return False
        return all(consumer.stalled_for() < limit for consumer in self._consumers)

    async def stop(self) -> None:
        self.readiness.stopping = True
        if self._heartbeat is not None:
            await self._heartbeat.stop()  # a last, not-ready heartbeat: /health sees it at once
            self._heartbeat = None
        if self._ownership is not None:
            await self._ownership.stop(self.settings.shutdown_grace_seconds)
            self._ownership = None
        await asyncio.gather(*(consumer.close() for consumer in self._consumers))
        self._consumers.clear()
        if self._nc is not None and not self._nc.is_closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._nc.drain(), timeout=5.0)
            if not self._nc.is_closed:
                await self._nc.close()
        for closer in reversed(self._closers):
            with contextlib.suppress(Exception):
                await closer()
        if self._health is not None:
            await self._health.stop()
        log.info("service stopped")


class Service(Protocol):
    """What a service's ``__main__`` runs: something that starts and stops."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def stop_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT; the handlers are installed before this returns."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def wait_for_signal() -> None:
    """Return when the process receives SIGTERM or SIGINT."""
    await stop_signals().wait()
    log.info("stop signal received")


async def _start_unless_stopped(service: Service, stop: asyncio.Event) -> bool:
    """Start ``service``; False when a stop signal came first (the start is then cancelled)."""
    starting = asyncio.create_task(service.start())
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if starting.done():
        starting.result()  # a start that failed raises here
        return not stop.is_set()
    starting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await starting
    return False


async def run_until_signal(service: Service) -> None:
    """Start ``service``, run it until SIGTERM or SIGINT, then stop it gracefully.

    The signal handlers are installed before anything starts, so a SIGTERM at any
    moment (even while the service is still connecting) is a clean stop: the
    start is cancelled and whatever it had opened is closed by ``stop``.
    """
    stop = stop_signals()
    try:
        if await _start_unless_stopped(service, stop):
            # Everything allocated so far (modules, apps, clients) lives as long as the
            # process: keep it out of the collector's way, so that the full collections
            # that request traffic triggers stay short.
            gc.freeze()
            await stop.wait()
        log.info("stop signal received")
    finally:
        await service.stop()


def run_main(name: str, settings_type: type[S], factory: Callable[[S], Service]) -> None:
    """A service's ``__main__``: load settings (exit 2 naming what is missing), log, run."""
    try:
        config = settings.load(settings_type)
    except ConfigError as exc:
        print(f"{name}: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    logs.configure(name, config.log_level)
    tracing.configure(name)  # only when OTEL_EXPORTER_OTLP_ENDPOINT is set
    try:
        asyncio.run(run_until_signal(factory(config)))
    finally:
        tracing.shutdown()  # sends the last spans
