"""``GET /console/events``: server-sent events telling a page that what it shows changed.

The gateway re-reads the desk's open handoffs (and, for a conversation's page, its
transcript) every ``CONSOLE_POLL_SECONDS`` for as long as the page is open, and sends
``event: changed`` when what it read differs from the last time; the page then
re-fetches its own fragment (:file:`static/console.js`). Polling the desk rather
than following the bus keeps the gateway's NATS user to the request/reply calls it
already makes and gives every change, whoever made it (the staff chat, another
agent, the sweeper), one path; a parish has a handful of agents, so a few calls a
second at most. A comment line every ``KEEPALIVE_SECONDS`` keeps proxies from
closing an idle stream.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Hashable

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from concierge_common.contracts import handoff_api as desk_api
from concierge_common.errors import ConciergeError
from gateway.console.context import Console
from gateway.console.desk_pages import open_handoffs, transcript

log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15.0


def live_routes(router: APIRouter, console: Console) -> None:
    @router.get("/events", include_in_schema=False)
    async def console_events(
        request: Request, handoff: uuid.UUID | None = None
    ) -> StreamingResponse:
        console.staff(request)
        stream = changes(request, console, handoff)
        return StreamingResponse(
            stream,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )


async def changes(
    request: Request, console: Console, handoff: uuid.UUID | None
) -> AsyncIterator[str]:
    """``changed`` events while the client is connected (the first read is the baseline)."""
    last: Hashable = None
    quiet = 0.0
    yield "retry: 2000\n\n"
    while not await request.is_disconnected():
        try:
            seen = await snapshot(console, handoff)
        except ConciergeError as exc:
            log.warning("console live view: the desk did not answer (%s)", type(exc).__name__)
            seen = last
        if last is not None and seen != last:
            yield "event: changed\ndata: {}\n\n"
            quiet = 0.0
        last = seen
        await asyncio.sleep(console.poll_seconds)
        quiet += console.poll_seconds
        if quiet >= KEEPALIVE_SECONDS:
            yield ": keep-alive\n\n"
            quiet = 0.0


async def snapshot(console: Console, handoff: uuid.UUID | None) -> Hashable:
    """What the page shows, reduced to what changes when it must be redrawn."""
    queue = tuple(
        (h.id, h.state, h.assigned_to, h.updated_at, h.last_person_at, h.last_staff_at)
        for h in await open_handoffs(console)
    )
    if handoff is None:
        return queue
    found = await console.desk.call(
        desk_api.DESK_GET, desk_api.DeskAction(id=str(handoff)), desk_api.DeskHandoff
    )
    messages = await transcript(console, found.handoff)
    lines = tuple((m.direction, m.origin, m.created_at, m.text) for m in messages)
    return (queue, found.handoff.state, found.handoff.updated_at, lines)
