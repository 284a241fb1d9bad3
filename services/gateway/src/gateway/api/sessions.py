"""``/sessions/{id}``: what agents (and admins) read and change of a conversation."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends

from concierge_common.bus.rpc import RpcClient
from concierge_common.contracts.store_api import SERVICE, SESSION_GET, SESSION_UPDATE, SessionView
from gateway.api.auth import AGENT, Authorizer
from gateway.api.errors import problem_responses
from gateway.api.models import SessionOut, SessionUpdateIn, by_id, to_api


def sessions_router(rpc: RpcClient, auth: Authorizer) -> APIRouter:
    router = APIRouter(
        prefix="/sessions",
        tags=["sessions"],
        dependencies=[Depends(auth.require(AGENT))],
        responses=problem_responses(400, 401, 403, 404, 422, 503),
    )

    @router.get("/{session_id}", summary="Read a session")
    async def get_session(session_id: UUID) -> SessionOut:
        view = await rpc.call(SERVICE, SESSION_GET, by_id(session_id), SessionView)
        return to_api(SessionOut, view)

    @router.put(
        "/{session_id}",
        summary="Update a session's status, service, state or metadata",
        description="Fields left out are kept. `status` must be a legal transition (else 409);"
        " `state` and `metadata` replace the whole object.",
        responses=problem_responses(409),
    )
    async def update_session(session_id: UUID, body: SessionUpdateIn) -> SessionOut:
        view = await rpc.call(SERVICE, SESSION_UPDATE, body.to_store(session_id), SessionView)
        return to_api(SessionOut, view)

    return router
