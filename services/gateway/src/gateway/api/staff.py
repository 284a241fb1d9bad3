"""``/staff/handoffs``: the staff console's desk (agents and admins).

Every route is one operation of the handoff service's desk
(:mod:`concierge_common.contracts.handoff_api`), asked over request/reply and waiting at
most ``GATEWAY_DESK_TIMEOUT_SECONDS``: the desk relays the replies to the
person, moves the handoff and tells the person when it ends. Who acts is the
token's subject (a display name), never a phone number. Errors keep their
meaning: an unknown handoff is 404, an action its state no longer allows is 409
(replying to a handoff returned to the bot...), a desk that does not answer is
503 with ``Retry-After``.
"""

# No ``from __future__ import annotations`` here: FastAPI resolves string annotations in
# the module's globals, and the routes' ``Staff`` dependency is built per app (a closure).

import logging
import re
from typing import Annotated, TypeVar
from uuid import UUID

import msgspec
from fastapi import APIRouter, Depends, Header, HTTPException, Query

from concierge_common.bus.rpc import RpcClient
from concierge_common.contracts import handoff_api as desk_api
from concierge_common.contracts.store_api import HandoffState, HandoffView
from concierge_common.errors import (
    ConciergeError,
    Conflict,
    InvalidRequest,
    NotFound,
    RetryableError,
)
from concierge_common.metrics import child
from gateway import metrics
from gateway.api.auth import AGENT, Authorizer, Dependency, Principal
from gateway.api.errors import problem_responses
from gateway.api.models import (
    HandoffDetailOut,
    HandoffEventOut,
    HandoffOut,
    StaffReplyIn,
    all_to_api,
    to_api,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_LIST = 500
# A subject that looks like a phone number or a WhatsApp id must not become a staff name
# (it would land in the audit trail and in messages to the person).
_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]{6,}$|@(c\.us|lid|s\.whatsapp\.net|g\.us)$")

ACTION_DESCRIPTION = (
    "Acts as the token's subject. 409 when the handoff's state no longer allows it"
    " (returned to the bot, closed...)."
)


class Desk:
    """The handoff service's desk operations, with a timeout and a metric per call."""

    def __init__(self, rpc: RpcClient, *, timeout: float) -> None:
        self._rpc = rpc
        self._timeout = timeout

    async def call(self, operation: str, request: msgspec.Struct, result_type: type[T]) -> T:
        action = operation.removeprefix("desk.")
        try:
            result = await self._rpc.call(
                desk_api.SERVICE, operation, request, result_type, timeout=self._timeout
            )
        except ConciergeError as exc:
            child(metrics.STAFF_REQUESTS, action, _outcome(exc)).inc()
            raise
        child(metrics.STAFF_REQUESTS, action, "ok").inc()
        return result

    async def act(self, operation: str, handoff_id: UUID, staff: str) -> HandoffOut:
        """A state-changing action on one handoff, by ``staff``."""
        request = desk_api.DeskAction(id=str(handoff_id), staff=staff)
        view = await self.call(operation, request, HandoffView)
        log.info("staff %s on handoff %s", operation, handoff_id)
        return to_api(HandoffOut, view)


def _outcome(exc: ConciergeError) -> str:
    if isinstance(exc, NotFound):
        return "not_found"
    if isinstance(exc, Conflict):
        return "conflict"
    if isinstance(exc, InvalidRequest):
        return "invalid"
    if isinstance(exc, RetryableError):
        return "unavailable"
    return "failed"


def staff_name(principal: Principal) -> str:
    """Who acts: the token's subject; 403 when it names no one or looks like a phone number."""
    name = principal.subject.strip()
    if not name or _PHONE_LIKE.search(name):
        raise HTTPException(
            403, "the token's subject must name who acts (a name, never a phone number)"
        )
    return name


def staff_router(rpc: RpcClient, auth: Authorizer, *, timeout: float) -> APIRouter:
    guard = auth.require(AGENT)  # one callable: FastAPI runs it once per request
    router = APIRouter(
        prefix="/staff",
        tags=["staff"],
        dependencies=[Depends(guard)],
        responses=problem_responses(400, 401, 403, 404, 422, 503),
    )
    desk = Desk(rpc, timeout=timeout)
    _reads(router, desk)
    _actions(router, desk, guard)
    return router


def _reads(router: APIRouter, desk: Desk) -> None:
    @router.get(
        "/handoffs",
        summary="List handoffs, oldest first",
        description="Repeat `state` to list several; without it, the open ones"
        " (requested, assigned, active).",
    )
    async def list_handoffs(
        state: Annotated[list[HandoffState] | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 100,
    ) -> list[HandoffOut]:
        query = desk_api.DeskQuery(states=state or None, limit=limit)
        views = await desk.call(desk_api.DESK_LIST, query, list[HandoffView])
        return all_to_api(HandoffOut, views)

    @router.get("/handoffs/{handoff_id}", summary="Read a handoff and its audit trail")
    async def get_handoff(handoff_id: UUID) -> HandoffDetailOut:
        request = desk_api.DeskAction(id=str(handoff_id))
        found = await desk.call(desk_api.DESK_GET, request, desk_api.DeskHandoff)
        return HandoffDetailOut(
            handoff=to_api(HandoffOut, found.handoff),
            events=all_to_api(HandoffEventOut, found.events),
        )


def _actions(router: APIRouter, desk: Desk, guard: Dependency) -> None:
    Staff = Annotated[Principal, Depends(guard)]
    conflict = problem_responses(409)

    @router.post(
        "/handoffs/{handoff_id}/reply",
        summary="Answer the person (relayed on WhatsApp)",
        description="The first answer makes the handoff active, owned by the token's subject."
        " Send an `Idempotency-Key` to retry safely: the desk relays a key's text once. "
        + ACTION_DESCRIPTION,
        responses=conflict,
    )
    async def reply_to_handoff(
        handoff_id: UUID,
        body: StaffReplyIn,
        principal: Staff,
        idempotency_key: Annotated[
            str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
        ] = None,
    ) -> HandoffOut:
        request = desk_api.DeskReply(
            id=str(handoff_id),
            text=body.text,
            staff=staff_name(principal),
            request_id=idempotency_key or "",
        )
        view = await desk.call(desk_api.DESK_REPLY, request, HandoffView)
        log.info("staff reply on handoff %s", handoff_id)
        return to_api(HandoffOut, view)

    @router.post(
        "/handoffs/{handoff_id}/assign",
        summary="Take a handoff (assign it to the token's subject)",
        description=ACTION_DESCRIPTION,
        responses=conflict,
    )
    async def assign_handoff(handoff_id: UUID, principal: Staff) -> HandoffOut:
        return await desk.act(desk_api.DESK_ASSIGN, handoff_id, staff_name(principal))

    @router.post(
        "/handoffs/{handoff_id}/return",
        summary="Give the conversation back to the assistant (the person is told)",
        description=ACTION_DESCRIPTION,
        responses=conflict,
    )
    async def return_handoff(handoff_id: UUID, principal: Staff) -> HandoffOut:
        return await desk.act(desk_api.DESK_RETURN, handoff_id, staff_name(principal))

    @router.post(
        "/handoffs/{handoff_id}/close",
        summary="Close a handoff and the person's session",
        description=ACTION_DESCRIPTION,
        responses=conflict,
    )
    async def close_handoff(handoff_id: UUID, principal: Staff) -> HandoffOut:
        return await desk.act(desk_api.DESK_CLOSE, handoff_id, staff_name(principal))
