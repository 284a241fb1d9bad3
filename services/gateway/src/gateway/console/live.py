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
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from concierge_common.contracts import handoff_api as desk_api
from concierge_common.errors import ConciergeError
from gateway.console.context import Console
from gateway.console.desk_pages import open_handoffs, transcript
from gateway.console.live_state import conversation_digest, queue_digest

log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15.0


def live_routes(router: APIRouter, console: Console) -> None:
    @router.get("/events", include_in_schema=False)
    async def console_events(
        request: Request, handoff: uuid.UUID | None = None, since: str = ""
    ) -> StreamingResponse:
        console.staff(request)
        # A reconnecting browser says what it last heard; a new page, what it was drawn from.
        start = request.headers.get("last-event-id") or since
        stream = changes(request, console, handoff, start[:64])
        return StreamingResponse(
            stream,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )


async def changes(
    request: Request, console: Console, handoff: uuid.UUID | None, since: str = ""
) -> AsyncIterator[str]:
    """``changed`` events while the client is connected, each with the digest of what
    changed as its id; compared first with ``since`` (when empty, the first read is the
    starting point)."""
    last = since
    quiet = 0.0
    yield "retry: 2000\n\n"
    while not await request.is_disconnected():
        try:
            seen = await digest(console, handoff)
        except ConciergeError as exc:
            log.warning("console live view: the desk did not answer (%s)", type(exc).__name__)
            seen = last
        if last and seen != last:
            yield f"id: {seen}\nevent: changed\ndata: {{}}\n\n"
            quiet = 0.0
        last = seen
        await asyncio.sleep(console.poll_seconds)
        quiet += console.poll_seconds
        if quiet >= KEEPALIVE_SECONDS:
            yield ": keep-alive\n\n"
            quiet = 0.0


async def digest(console: Console, handoff: uuid.UUID | None) -> str:
    """The digest of what the page shows now (the queue, or one conversation)."""
    if handoff is None:
        return queue_digest(await open_handoffs(console))
    found = await console.desk.call(
        desk_api.DESK_GET, desk_api.DeskAction(id=str(handoff)), desk_api.DeskHandoff
    )
    return conversation_digest(found.handoff, await transcript(console, found.handoff))
