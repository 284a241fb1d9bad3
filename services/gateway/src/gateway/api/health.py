"""``GET /health``: is the whole concierge up? Public, and it names components only.

Every replica publishes readiness heartbeats (:mod:`concierge_common.bus.heartbeat`).
A service is up when at least one of its fresh replicas reports ready. PostgreSQL
is up when a fresh store replica's ``postgres`` check passes; Redis when a fresh
store or router replica's ``redis`` check passes; NATS is this gateway's own
connection. 200 when everything is up, 503 otherwise, with the same body. The
body also counts each service's reporting and ready replicas (no instance ids).
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from concierge_common.bus.heartbeat import Heartbeat, HeartbeatReader
from concierge_common.errors import BusUnavailable
from gateway.api.models import HealthOut, ReplicasOut

SERVICES = ("gateway", "router", "ai", "handoff", "store")
# Infrastructure seen through the checks of the services that use it.
DEPENDENCIES = {"postgres": ("store",), "redis": ("store", "router")}


def components(beats: Iterable[Heartbeat], nats_connected: bool) -> dict[str, bool]:
    """Each component and whether it is up."""
    beats = list(beats)
    up = {name: any(b.ready for b in beats if b.service == name) for name in SERVICES}
    up["nats"] = nats_connected
    for check, services in DEPENDENCIES.items():
        up[check] = any(b.checks.get(check, False) for b in beats if b.service in services)
    return up


def replicas(beats: Iterable[Heartbeat]) -> dict[str, ReplicasOut]:
    """How many replicas of each service report, and how many are ready."""
    beats = list(beats)
    counts = {}
    for name in SERVICES:
        own = [b for b in beats if b.service == name]
        counts[name] = ReplicasOut(reporting=len(own), ready=sum(b.ready for b in own))
    return counts


def health_body(beats: list[Heartbeat], nats_connected: bool) -> HealthOut:
    up = components(beats, nats_connected)
    down = sorted(name for name, ok in up.items() if not ok)
    return HealthOut(
        status="unavailable" if down else "ok",
        components={name: "up" if ok else "down" for name, ok in up.items()},
        down=down,
        replicas=replicas(beats),
    )


def health_router(reader: HeartbeatReader) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get(
        "/health",
        summary="Readiness of every service, NATS, PostgreSQL and Redis",
        response_model=HealthOut,
        responses={503: {"model": HealthOut, "description": "Some component is down"}},
    )
    async def health() -> JSONResponse:
        try:
            beats = await reader.fresh()
        except BusUnavailable:
            beats = []
        body = health_body(beats, reader.connected)
        return JSONResponse(body.model_dump(), status_code=503 if body.down else 200)

    return router
