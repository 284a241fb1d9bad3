"""Readiness heartbeats: every replica says, every few seconds, whether it is ready.

Each service's :class:`~concierge_common.bus.runtime.Runtime` publishes a small
:class:`Heartbeat` into a JetStream key-value bucket
(:attr:`~concierge_common.bus.topology.Topology.health_bucket`) under the key
``<service>.<instance>``. The bucket's ``max_age`` is a few periods, so a
replica that dies without a word disappears by itself; a replica that stops
cleanly publishes a last, not-ready heartbeat so that readers see it at once.

Readers (the gateway's ``GET /health``) take a snapshot of the bucket and keep
only the heartbeats younger than ``max_age``, whatever the bucket's own setting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta

import msgspec
import nats.errors
from nats.aio.client import Client as NATS
from nats.js.errors import BucketNotFoundError
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue

from concierge_common.bus.health import Readiness
from concierge_common.errors import BusUnavailable

log = logging.getLogger(__name__)


class Heartbeat(msgspec.Struct, frozen=True, kw_only=True):
    """What one replica reports; ``checks`` are its readiness checks by name."""

    service: str
    instance: str
    ready: bool
    checks: dict[str, bool]
    at: datetime


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Heartbeat)


def new_instance_id() -> str:
    """A random id for one process (no host name or address: the bucket is readable)."""
    return uuid.uuid4().hex[:12]


async def heartbeat_of(service: str, instance: str, readiness: Readiness) -> Heartbeat:
    """Run the readiness checks and turn their result into a heartbeat."""
    ready, results = await readiness.report()
    return Heartbeat(
        service=service,
        instance=instance,
        ready=ready,
        checks={name: value == "ok" for name, value in results.items()},
        at=datetime.now(UTC),
    )


class HeartbeatPublisher:
    """Publishes one replica's heartbeat every ``period`` seconds until :meth:`stop`."""

    def __init__(
        self,
        kv: KeyValue,
        service: str,
        readiness: Readiness,
        *,
        period: float,
        instance: str | None = None,
    ) -> None:
        self.instance = instance or new_instance_id()
        self._kv = kv
        self._service = service
        self._readiness = readiness
        self._period = period
        self._key = f"{service}.{self.instance}"
        self._stopped = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"heartbeat-{self._service}")

    async def stop(self) -> None:
        """Stop beating and publish a last, not-ready heartbeat (the readiness is stopping)."""
        self._stopped.set()
        if self._task is not None:
            await self._task
            self._task = None
        with contextlib.suppress(TimeoutError):  # NATS down: the key expires by itself
            await asyncio.wait_for(self._beat(), timeout=2.0)

    async def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                await self._beat()
            except Exception:  # a broken check must not end the heartbeats (nor stop())
                log.exception("heartbeat failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), timeout=self._period)

    async def _beat(self) -> None:
        beat = await heartbeat_of(self._service, self.instance, self._readiness)
        try:
            await self._kv.put(self._key, _encoder.encode(beat))
        except (nats.errors.Error, OSError, TimeoutError) as exc:
            # NATS is down: the readers cannot see anything either; the next beat retries.
            log.debug("heartbeat not published: %s", type(exc).__name__)


class HeartbeatReader:
    """Reads the fresh heartbeats of every replica (briefly cached: ``/health`` is public)."""

    def __init__(
        self, nc: NATS, bucket: str, *, max_age: float, cache_seconds: float = 1.0
    ) -> None:
        self._nc = nc
        self._bucket = bucket
        self._max_age = timedelta(seconds=max_age)
        self._cache_seconds = cache_seconds
        self._cached: tuple[float, list[Heartbeat]] | None = None
        self._lock = asyncio.Lock()

    @property
    def connected(self) -> bool:
        """Whether this process's own NATS connection is up."""
        return bool(self._nc.is_connected)

    async def fresh(self) -> list[Heartbeat]:
        """Heartbeats younger than ``max_age``; raise :class:`BusUnavailable` without NATS."""
        async with self._lock:  # concurrent callers share one read
            now = time.monotonic()
            if self._cached is not None and now - self._cached[0] < self._cache_seconds:
                return self._cached[1]
            beats = await self._read()
            self._cached = (time.monotonic(), beats)
            return beats

    async def _read(self) -> list[Heartbeat]:
        if not self._nc.is_connected:
            raise BusUnavailable("not connected to NATS")
        try:
            kv = await self._nc.jetstream().key_value(self._bucket)
            entries = await _latest_values(kv)
        except BucketNotFoundError:
            return []
        except (nats.errors.Error, OSError, TimeoutError) as exc:
            raise BusUnavailable(f"health bucket unreadable: {type(exc).__name__}") from exc
        oldest = datetime.now(UTC) - self._max_age
        beats = []
        for value in entries:
            try:
                beat = _decoder.decode(value)
            except (msgspec.DecodeError, msgspec.ValidationError):
                log.warning("undecodable heartbeat ignored")
                continue
            if beat.at >= oldest:
                beats.append(beat)
        return beats


async def _latest_values(kv: KeyValue) -> list[bytes]:
    """The current value of every key (deleted and purged keys left out)."""
    watcher = await kv.watchall(inactive_threshold=5.0)
    values: list[bytes] = []
    try:
        while True:
            entry = await watcher.updates(timeout=2.0)  # type: ignore[no-untyped-call]
            if entry is None:  # the end of what the bucket held when the watch began
                return values
            if entry.operation not in (KV_DEL, KV_PURGE) and entry.value:
                values.append(entry.value)
    finally:
        await watcher.stop()  # type: ignore[no-untyped-call]
