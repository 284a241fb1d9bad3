"""The desk's pages: the queue of open handoffs and one conversation (transcript,
reply, take, return to the assistant, close), for agents and admins.

Actions go to the handoff service's desk exactly as the HTTP API's ``/staff`` routes do
(:class:`gateway.api.staff.Desk`), as the signed-in staff member. A reply carries the
page's own request id, so that a form sent twice is relayed once.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from concierge_common.contracts import handoff_api as desk_api
from concierge_common.contracts import store_api
from concierge_common.contracts.store_api import HandoffState, HandoffView, InteractionView
from concierge_common.errors import Conflict, InvalidRequest
from gateway.api.staff import staff_name
from gateway.console.context import Console, see_other
from gateway.console.live_state import conversation_digest, queue_digest

OPEN_STATES: tuple[HandoffState, ...] = ("requested", "assigned", "active")
TRANSCRIPT_LENGTH = 100
MAX_REPLY_CHARS = 4096
STATE_LABELS = {
    "requested": "en attente",
    "assigned": "prise en charge",
    "active": "en cours",
    "returned": "rendue à l'assistant",
    "closed": "close",
}
ORIGIN_LABELS = {
    "ai": "Assistant",
    "router": "Assistant",
    "handoff": "Message automatique",
    "staff": "Équipe",
    "operator": "Téléphone de la paroisse",
}
FILE_LABELS = {"image": "Image", "audio": "Audio", "video": "Vidéo", "document": "Document"}


def desk_routes(router: APIRouter, console: Console) -> None:
    _queue(router, console)
    _conversation(router, console)
    _actions(router, console)


async def open_handoffs(console: Console) -> list[HandoffView]:
    query = desk_api.DeskQuery(states=list(OPEN_STATES), limit=500)
    return await console.desk.call(desk_api.DESK_LIST, query, list[HandoffView])


async def transcript(console: Console, handoff: HandoffView) -> list[InteractionView]:
    if handoff.session_id is None:
        return []
    query = store_api.InteractionQuery(
        session_id=handoff.session_id, limit=TRANSCRIPT_LENGTH, files=True
    )
    return await console.rpc.call(
        store_api.SERVICE, store_api.INTERACTION_LIST, query, list[InteractionView]
    )


def _labels() -> dict[str, Any]:
    return {
        "state_labels": STATE_LABELS,
        "origin_labels": ORIGIN_LABELS,
        "file_labels": FILE_LABELS,
    }


def _queue(router: APIRouter, console: Console) -> None:
    @router.get("/", include_in_schema=False)
    async def console_home(request: Request) -> RedirectResponse:
        console.staff(request)
        return RedirectResponse("/console/queue", status_code=303)

    @router.get("/queue", include_in_schema=False)
    async def console_queue(request: Request) -> HTMLResponse:
        principal = console.staff(request)
        handoffs = await open_handoffs(console)
        context = {"handoffs": handoffs, "since": queue_digest(handoffs), **_labels()}
        return console.page(request, principal, "queue.html", context)

    @router.get("/queue/fragment", include_in_schema=False)
    async def console_queue_fragment(request: Request) -> HTMLResponse:
        principal = console.staff(request)
        handoffs = await open_handoffs(console)
        return console.page(
            request, principal, "queue_rows.html", {"handoffs": handoffs, **_labels()}
        )


def _conversation(router: APIRouter, console: Console) -> None:
    @router.get("/handoffs/{handoff_id}", include_in_schema=False)
    async def console_handoff(request: Request, handoff_id: uuid.UUID) -> HTMLResponse:
        principal = console.staff(request)
        found = await console.desk.call(
            desk_api.DESK_GET, desk_api.DeskAction(id=str(handoff_id)), desk_api.DeskHandoff
        )
        messages = await transcript(console, found.handoff)
        context = {
            "handoff": found.handoff,
            "events": found.events,
            "messages": messages,
            "is_open": found.handoff.state in OPEN_STATES,
            "canned_replies": console.canned_replies,
            "request_id": uuid.uuid4().hex,
            "since": conversation_digest(found.handoff, messages),
            **_labels(),
        }
        return console.page(request, principal, "handoff.html", context)

    @router.get("/handoffs/{handoff_id}/transcript", include_in_schema=False)
    async def console_transcript(request: Request, handoff_id: uuid.UUID) -> HTMLResponse:
        principal = console.staff(request)
        found = await console.desk.call(
            desk_api.DESK_GET, desk_api.DeskAction(id=str(handoff_id)), desk_api.DeskHandoff
        )
        messages = await transcript(console, found.handoff)
        context = {"handoff": found.handoff, "messages": messages, **_labels()}
        return console.page(request, principal, "transcript.html", context)


def _actions(router: APIRouter, console: Console) -> None:
    @router.post("/handoffs/{handoff_id}/reply", include_in_schema=False)
    async def console_reply(request: Request, handoff_id: uuid.UUID) -> Response:
        staff = staff_name(console.staff(request))
        form = await console.posted(request)
        text = form.get("text", "").strip()
        here = f"/console/handoffs/{handoff_id}"
        if not text or len(text) > MAX_REPLY_CHARS:
            return see_other(here, "invalid")
        request_id = form.get("request_id", "")[:200]
        reply = desk_api.DeskReply(
            id=str(handoff_id), text=text, staff=staff, request_id=request_id
        )
        return await _acted(
            console.desk.call(desk_api.DESK_REPLY, reply, HandoffView), here, "replied"
        )

    for path, operation, notice in (
        ("take", desk_api.DESK_ASSIGN, "taken"),
        ("return", desk_api.DESK_RETURN, "returned"),
        ("close", desk_api.DESK_CLOSE, "closed"),
    ):
        _action(router, console, path, operation, notice)


def _action(router: APIRouter, console: Console, path: str, operation: str, notice: str) -> None:
    async def act(request: Request, handoff_id: uuid.UUID) -> Response:
        staff = staff_name(console.staff(request))
        await console.posted(request)
        action = desk_api.DeskAction(id=str(handoff_id), staff=staff)
        here = f"/console/handoffs/{handoff_id}"
        return await _acted(console.desk.call(operation, action, HandoffView), here, notice)

    router.add_api_route(
        f"/handoffs/{{handoff_id}}/{path}",
        act,
        methods=["POST"],
        name=f"console_{path}",
        include_in_schema=False,
    )


async def _acted(call: Awaitable[HandoffView], here: str, notice: str) -> Response:
    try:
        await call
    except Conflict:
        return see_other(here, "conflict")
    except InvalidRequest as exc:
        if exc.status == 404:
            raise
        return see_other(here, "invalid")
    return see_other(here, notice)
