"""How ``GET /health`` turns replicas' heartbeats into components up or down."""

from __future__ import annotations

from datetime import UTC, datetime

from concierge_common.bus.heartbeat import Heartbeat
from gateway.api.health import SERVICES, components, health_body

AT = datetime(2026, 11, 1, tzinfo=UTC)


def beat(service: str, *, ready: bool = True, **checks: bool) -> Heartbeat:
    return Heartbeat(
        service=service,
        instance=f"{service}-1",
        ready=ready,
        checks={"nats": True, **checks},
        at=AT,
    )


def everything_ready() -> list[Heartbeat]:
    beats = [beat(name) for name in SERVICES if name not in ("store", "router")]
    return [*beats, beat("store", postgres=True), beat("router", redis=True)]


def test_all_components_up_is_ok() -> None:
    body = health_body(everything_ready(), nats_connected=True)
    assert body.status == "ok"
    assert body.down == []
    assert set(body.components) == {*SERVICES, "nats", "postgres", "redis"}


def test_a_service_is_up_when_one_replica_is_ready() -> None:
    beats = [*everything_ready(), beat("ai", ready=False)]
    body = health_body(beats, nats_connected=True)
    assert body.components["ai"] == "up"
    assert body.replicas["ai"].model_dump() == {"reporting": 2, "ready": 1}


def test_a_service_whose_replicas_are_all_not_ready_is_down() -> None:
    beats = [b for b in everything_ready() if b.service != "handoff"]
    beats.append(beat("handoff", ready=False))
    body = health_body(beats, nats_connected=True)
    assert body.status == "unavailable"
    assert body.down == ["handoff"]


def test_postgres_is_seen_through_the_store_only() -> None:
    beats = [b for b in everything_ready() if b.service != "store"]
    beats += [beat("store", postgres=False), beat("router", postgres=True, redis=True)]
    assert health_body(beats, nats_connected=True).down == ["postgres"]


def test_redis_is_up_when_the_store_or_the_router_reaches_it() -> None:
    beats = [b for b in everything_ready() if b.service != "router"]
    beats += [beat("router", ready=False, redis=False), beat("store", redis=True)]
    assert components(beats, nats_connected=True)["redis"] is True


def test_without_heartbeats_and_nats_everything_is_down() -> None:
    body = health_body([], nats_connected=False)
    assert body.down == sorted([*SERVICES, "nats", "postgres", "redis"])
