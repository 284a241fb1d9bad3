"""ai's facts: the store's valid infos of a service, briefly cached, re-checked against now."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import msgspec
import pytest
from prometheus_client import REGISTRY

from ai.facts import StoreFacts
from concierge_common.contracts import store_api as api
from concierge_common.errors import DownstreamUnavailable
from support.views import service_view

T = TypeVar("T")
T0 = datetime(2026, 11, 7, 22, 59, 50, tzinfo=UTC)
CREATED = datetime(2026, 9, 1, tzinfo=UTC)


def _info(
    title: str, valid_to: datetime | None = None, valid_from: datetime | None = None
) -> api.InfoView:
    return api.InfoView(
        id=title.lower(),
        service_id="svc-1",
        title=title,
        content=f"{title}.",
        valid_from=valid_from,
        valid_to=valid_to,
        created_at=CREATED,
        updated_at=CREATED,
    )


class FakeStore:
    """Answers service.list and info.list like the store (validity filter included)."""

    def __init__(self, infos: list[api.InfoView]) -> None:
        self.infos = infos
        self.calls: list[tuple[str, Any]] = []
        self.down = False
        self.gate: asyncio.Event | None = None

    async def call(
        self,
        service: str,
        operation: str,
        request: msgspec.Struct,
        result_type: type[T],
        *,
        timeout: float | None = None,
    ) -> T:
        assert service == api.SERVICE
        self.calls.append((operation, request))
        if self.down:
            raise DownstreamUnavailable("store did not answer")
        if self.gate is not None:
            await self.gate.wait()
        result: object
        if operation == api.SERVICE_LIST:
            result = [_service("svc-1", "RENSEIGNEMENT"), _service("svc-2", "CATECHESE")]
        else:
            assert operation == api.INFO_LIST
            assert isinstance(request, api.ListQuery)
            at = request.valid_at  # None: valid or not
            result = [
                info
                for info in self.infos
                if info.service_id == request.service_id
                and (at is None or info.valid_from is None or info.valid_from <= at)
                and (at is None or info.valid_to is None or at < info.valid_to)
            ]
        return msgspec.json.decode(msgspec.json.encode(result), type=result_type)

    def operations(self) -> list[str]:
        return [operation for operation, _ in self.calls]


def _service(service_id: str, name: str) -> api.ServiceView:
    return service_view(name, service_id=service_id, at=CREATED)


class Clocks:
    def __init__(self) -> None:
        self.now = T0
        self.elapsed = 0.0

    def wall(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.elapsed


def _source(store: FakeStore, clocks: Clocks, ttl: float = 30.0) -> StoreFacts:
    return StoreFacts(store, ttl_seconds=ttl, clock=clocks.wall, monotonic=clocks.monotonic)


def _titles(facts: list[Any]) -> list[str]:
    return [fact.title for fact in facts]


def _sample(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


TOUSSAINT_END = datetime(2026, 11, 7, 23, 0, tzinfo=UTC)


async def test_valid_facts_are_read_once_then_served_from_the_cache() -> None:
    store = FakeStore(
        [_info("Messes"), _info("Noël", valid_from=datetime(2026, 12, 1, tzinfo=UTC))]
    )
    clocks = Clocks()
    facts = _source(store, clocks)
    hits, misses = (
        _sample("concierge_ai_facts_cache_hits_total"),
        _sample("concierge_ai_facts_cache_misses_total"),
    )
    assert _titles(await facts.facts("RENSEIGNEMENT")) == ["Messes"]
    clocks.elapsed = 29.0
    assert _titles(await facts.facts("RENSEIGNEMENT")) == ["Messes"]
    assert store.operations() == [api.SERVICE_LIST, api.INFO_LIST]
    assert _sample("concierge_ai_facts_cache_misses_total") == misses + 1
    assert _sample("concierge_ai_facts_cache_hits_total") == hits + 1


async def test_the_store_is_asked_for_the_service_id_and_the_facts_valid_now() -> None:
    store = FakeStore([])
    await _source(store, Clocks()).facts("CATECHESE")
    query = store.calls[-1][1]
    assert query == api.ListQuery(service_id="svc-2", valid_at=T0)


async def test_facts_are_read_again_once_the_cache_is_stale() -> None:
    store = FakeStore([_info("Messes")])
    clocks = Clocks()
    facts = _source(store, clocks, ttl=30.0)
    await facts.facts("RENSEIGNEMENT")
    store.infos.append(_info("Chorale"))
    clocks.elapsed = 30.0
    assert _titles(await facts.facts("RENSEIGNEMENT")) == ["Messes", "Chorale"]
    assert store.operations().count(api.INFO_LIST) == 2


async def test_an_expired_fact_is_never_served_even_from_the_cache() -> None:
    store = FakeStore([_info("Messes"), _info("Toussaint", valid_to=TOUSSAINT_END)])
    clocks = Clocks()
    facts = _source(store, clocks, ttl=3600.0)
    assert _titles(await facts.facts("RENSEIGNEMENT")) == ["Messes", "Toussaint"]
    clocks.now = TOUSSAINT_END  # valid_to is exclusive
    clocks.elapsed = 10.0
    assert _titles(await facts.facts("RENSEIGNEMENT")) == ["Messes"]
    assert store.operations().count(api.INFO_LIST) == 1  # from the cache indeed


async def test_an_unknown_service_has_no_facts() -> None:
    store = FakeStore([_info("Messes")])
    assert await _source(store, Clocks()).facts("INCONNU") == []
    assert store.operations() == [api.SERVICE_LIST]


async def test_concurrent_turns_read_the_store_once() -> None:
    store = FakeStore([_info("Messes")])
    store.gate = asyncio.Event()
    facts = _source(store, Clocks())
    pending = [asyncio.create_task(facts.facts("RENSEIGNEMENT")) for _ in range(5)]
    await asyncio.sleep(0)
    store.gate.set()
    results = await asyncio.gather(*pending)
    assert all(_titles(result) == ["Messes"] for result in results)
    assert store.operations() == [api.SERVICE_LIST, api.INFO_LIST]


async def test_a_store_that_is_down_makes_the_turn_retryable() -> None:
    store = FakeStore([_info("Messes")])
    store.down = True
    with pytest.raises(DownstreamUnavailable):
        await _source(store, Clocks()).facts("RENSEIGNEMENT")


async def test_while_the_store_is_down_the_last_facts_read_are_still_checked_and_served() -> None:
    store = FakeStore([_info("Messes"), _info("Toussaint", valid_to=TOUSSAINT_END)])
    clocks = Clocks()
    facts = _source(store, clocks)
    await facts.facts("RENSEIGNEMENT")
    store.down = True
    clocks.elapsed += timedelta(minutes=5).total_seconds()
    clocks.now = TOUSSAINT_END
    assert _titles(await facts.facts("RENSEIGNEMENT")) == ["Messes"]
    assert store.operations()[-1] == api.SERVICE_LIST  # it did try the store again


async def test_the_facts_of_another_time_are_read_apart_and_never_among_the_valid_ones() -> None:
    christmas = _info("Noël", valid_from=datetime(2026, 12, 1, tzinfo=UTC))
    bazaar = _info("Bazar", valid_to=datetime(2026, 10, 25, tzinfo=UTC))
    store = FakeStore([_info("Messes"), christmas, bazaar])
    clocks = Clocks()
    facts = _source(store, clocks)
    assert _titles(await facts.out_of_date("RENSEIGNEMENT")) == ["Noël", "Bazar"]
    assert _titles(await facts.facts("RENSEIGNEMENT")) == ["Messes"]
    queries = [request for operation, request in store.calls if operation == api.INFO_LIST]
    assert [query.valid_at for query in queries] == [None, T0]  # the valid ones still filtered
    clocks.now = datetime(2026, 12, 2, tzinfo=UTC)  # cached, and re-checked against now
    assert _titles(await facts.out_of_date("RENSEIGNEMENT")) == ["Bazar"]


async def test_the_facts_of_another_time_are_none_while_the_store_is_unreachable() -> None:
    store = FakeStore([_info("Bazar", valid_to=datetime(2026, 10, 25, tzinfo=UTC))])
    store.down = True
    assert await _source(store, Clocks()).out_of_date("RENSEIGNEMENT") == []
