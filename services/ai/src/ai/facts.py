"""The facts ai answers from: the store's currently valid infos of a service.

A fact is valid in ``[valid_from, valid_to)`` (a missing bound is unbounded).
The store filters them (``info.list`` with ``valid_at``); ai keeps each
service's list for a few seconds to spare the store one request per turn, and
filters it again against the clock whenever it serves it, so a fact valid
until 30 June is never served on 1 July, even from the cache. While the store
cannot be reached, the last list read keeps being served (filtered the same way).

The facts of another time (ended, or not begun) are read apart, in a list of their
own (``info.list`` without ``valid_at``, keeping only those not valid now):
:mod:`ai.another_time` reads their titles to know what a question asks about that
no valid fact speaks of. They are never among the facts served.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TypeVar

import msgspec

from ai import metrics
from concierge_common.contracts import store_api
from concierge_common.errors import NotFound, RetryableError

log = logging.getLogger(__name__)

T = TypeVar("T")
Clock = Callable[[], datetime]  # an aware "now"; injected so tests choose the day


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Fact:
    """One piece of information of a service, with its validity window."""

    id: str
    service: str
    title: str
    content: str
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    def valid_at(self, at: datetime) -> bool:
        starts = self.valid_from is None or self.valid_from <= at
        return starts and (self.valid_to is None or at < self.valid_to)

    @classmethod
    def from_view(cls, service: str, view: store_api.InfoView) -> Fact:
        return cls(view.id, service, view.title, view.content, view.valid_from, view.valid_to)


class Rpc(Protocol):
    """What ai needs of :class:`concierge_common.bus.rpc.RpcClient`."""

    async def call(
        self,
        service: str,
        operation: str,
        request: msgspec.Struct,
        result_type: type[T],
        *,
        timeout: float | None = None,
    ) -> T: ...


class FactSource(Protocol):
    async def facts(self, service: str) -> list[Fact]:
        """The facts of ``service`` (by name) valid now; empty for an unknown service."""
        ...


class OutOfDate(Protocol):
    async def out_of_date(self, service: str) -> list[Fact]:
        """The facts of ``service`` not valid now (ended, or not begun): never served, their
        words only tell what the organisation publishes at another time."""
        ...


class ServiceNames(Protocol):
    async def names(self) -> list[str]:
        """The names of the organisation's active services."""
        ...


@dataclass(frozen=True)
class _Entry:
    fetched_at: float
    facts: tuple[Fact, ...]


class StoreFacts:
    """Valid facts of a service from the store (``service.list`` + ``info.list``), cached."""

    def __init__(
        self,
        rpc: Rpc,
        *,
        ttl_seconds: float = 30.0,
        clock: Clock = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rpc = rpc
        self._ttl = ttl_seconds
        self._clock = clock
        self._monotonic = monotonic
        self._entries: dict[str, _Entry] = {}
        self._every: dict[str, _Entry] = {}  # valid or not, for out_of_date only
        self._locks: dict[str, asyncio.Lock] = {}
        self._services: tuple[float, list[store_api.ServiceView]] | None = None

    async def facts(self, service: str) -> list[Fact]:
        entry = self._fresh(service)
        if entry is None:
            metrics.FACTS_CACHE_MISSES.inc()
            async with self._locks.setdefault(service, asyncio.Lock()):
                # Another turn may have fetched it while this one waited.
                entry = self._fresh(service) or await self._refresh(service)
        else:
            metrics.FACTS_CACHE_HITS.inc()
        now = self._clock()
        return [fact for fact in entry.facts if fact.valid_at(now)]

    async def out_of_date(self, service: str) -> list[Fact]:
        """The facts of ``service`` not valid now (read at most once per ``ttl_seconds``);
        the last ones read, or none, while the store is unreachable: they decide no answer
        on their own."""
        entry = self._fresh(service, self._every)
        if entry is None:
            try:
                entry = await self._fetch(service, every=True)
            except RetryableError:
                entry = self._every.get(service) or _Entry(self._monotonic(), ())
        now = self._clock()
        return [fact for fact in entry.facts if not fact.valid_at(now)]

    def _fresh(self, service: str, entries: dict[str, _Entry] | None = None) -> _Entry | None:
        entry = (self._entries if entries is None else entries).get(service)
        if entry is None or self._monotonic() - entry.fetched_at >= self._ttl:
            return None
        return entry

    async def _refresh(self, service: str) -> _Entry:
        try:
            return await self._fetch(service)
        except RetryableError:  # the store unreachable, or its database down
            stale = self._entries.get(service)
            if stale is None:
                raise
            # Nobody can change facts while the store is down: the last ones, still
            # filtered by their validity, beat no answer at all.
            log.warning("store unreachable, serving the last facts read of %s", service)
            return stale

    async def _fetch(self, service: str, *, every: bool = False) -> _Entry:
        """The service's facts valid now from the store (``every``: valid or not)."""
        fetched_at = self._monotonic()
        service_id = await self._service_id(service)
        views: list[store_api.InfoView] = []
        if service_id is not None:
            valid_at = None if every else self._clock()
            query = store_api.ListQuery(service_id=service_id, valid_at=valid_at)
            try:
                views = await self._rpc.call(
                    store_api.SERVICE, store_api.INFO_LIST, query, list[store_api.InfoView]
                )
            except NotFound:
                log.warning("service %s vanished while its facts were read", service)
        entry = _Entry(fetched_at, tuple(Fact.from_view(service, view) for view in views))
        (self._every if every else self._entries)[service] = entry
        return entry

    async def names(self) -> list[str]:
        """The active services' names (read at most once per ``ttl_seconds``)."""
        try:
            return [service.name for service in await self._service_list()]
        except RetryableError:
            if self._services is None:
                raise
            return [service.name for service in self._services[1]]

    async def subjects(self) -> tuple[list[str], list[str]]:
        """The services' words and their facts' titles, and the services' menu labels."""
        services = await self._service_list()
        texts = [f"{s.name} {s.description} {' '.join(s.trigger_keywords)}" for s in services]
        for service in services:
            texts += [fact.title for fact in await self.facts(service.name)]
        return texts, [_label(service) for service in services]

    async def _service_list(self) -> list[store_api.ServiceView]:
        cached = self._services
        if cached is not None and self._monotonic() - cached[0] < self._ttl:
            return cached[1]
        fetched_at = self._monotonic()
        services = await self._rpc.call(
            store_api.SERVICE,
            store_api.SERVICE_LIST,
            store_api.ListQuery(),
            list[store_api.ServiceView],
        )
        self._services = (fetched_at, services)
        return services

    async def _service_id(self, name: str) -> str | None:
        services = await self._service_list()
        for service in services:
            if service.name == name:
                return service.id
        log.warning("no active service named %s in the store", name)
        return None


def _label(service: store_api.ServiceView) -> str:
    """A service as a menu shows it: its description up to a colon, else its name."""
    text = service.description or service.name.capitalize()
    for cut in (" : ", ": ", ", et ", " avec "):  # the subject, not its details
        text = text.split(cut)[0]
    return text.rstrip(". ")
