"""``GET /health``: is the whole concierge up? Public, and it says only that.

The public answer is ``{"status": "ok"}`` (200) or ``{"status": "unavailable"}``
(503): which component is down and how many replicas run is for operators, at
``GET /health/details`` with an ``admin`` token (an attacker learns nothing of the
deployment's shape, nor when a component he targets falls).

Every replica publishes readiness heartbeats (:mod:`concierge_common.bus.heartbeat`).
A service is up when at least one of its fresh replicas reports ready. PostgreSQL
is up when a fresh store replica's ``postgres`` check passes; Redis when a fresh
store or router replica's ``redis`` check passes; NATS is this gateway's own
connection. 200 when everything is up, 503 otherwise, with the same body. The
details also count each service's reporting and ready replicas (no instance ids).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from concierge_common.bus.heartbeat import Heartbeat, HeartbeatReader
from concierge_common.errors import BusUnavailable
from gateway.api.auth import ADMIN, Authorizer
from gateway.api.errors import problem_responses
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


class HealthStatusOut(BaseModel):
    """``ok`` when every component is up, else ``unavailable``; nothing more, publicly."""

    status: Literal["ok", "unavailable"]


def health_router(reader: HeartbeatReader, auth: Authorizer) -> APIRouter:
    router = APIRouter(tags=["health"])

    async def current() -> HealthOut:
        try:
            beats = await reader.fresh()
        except BusUnavailable:
            beats = []
        return health_body(beats, reader.connected)

    @router.get(
        "/health",
        summary="Whether every service, NATS, PostgreSQL and Redis are up",
        response_model=HealthStatusOut,
        responses={503: {"model": HealthStatusOut, "description": "Some component is down"}},
    )
    async def health() -> JSONResponse:
        body = await current()
        return JSONResponse({"status": body.status}, status_code=503 if body.down else 200)

    @router.get(
        "/health/details",
        summary="Each component up or down, and the replicas of each service (admin)",
        response_model=HealthOut,
        responses={
            503: {"model": HealthOut, "description": "Some component is down"},
            **problem_responses(401, 403),
        },
        dependencies=[Depends(auth.require(ADMIN))],
    )
    async def health_details() -> JSONResponse:
        body = await current()
        return JSONResponse(body.model_dump(), status_code=503 if body.down else 200)

    return router
