"""The session operations the store answers over request/reply (``store_api``).

``session.open`` carries when the message it is opened for was written: a person
erased since is not brought back (410 ``Erased``; counted here, dropped by the caller).
Asked for ``history``, it also returns the session's last messages (none to read for
a session it created), which the router carries to ai with the turn.
"""

from __future__ import annotations

import logging

import msgspec

from concierge_common.bus.rpc import Operation
from concierge_common.contracts.store_api import (
    SESSION_GET,
    SESSION_OPEN,
    SESSION_UPDATE,
    ById,
    InteractionQuery,
    SessionOpen,
    SessionUpdate,
    SessionView,
)
from concierge_common.errors import Erased
from concierge_common.metrics import child
from store.interactions import MAX_HISTORY, Interactions
from store.metrics import ERASED_DROPPED
from store.sessions import Sessions
from store.tombstones import Written

log = logging.getLogger(__name__)


def session_operations(sessions: Sessions, interactions: Interactions) -> list[Operation]:
    """session.get, session.update and session.open, answered by ``sessions`` (and the
    history ``session.open`` may return, by ``interactions``)."""

    async def get(request: ById) -> SessionView:
        return await sessions.get(request.id)

    async def update(request: SessionUpdate) -> SessionView:
        return await sessions.update(request)

    async def open_(request: SessionOpen) -> SessionView:
        written = Written.of_seconds(request.written_at)
        try:
            view = await sessions.open(
                request.whatsapp_id, request.push_name, aliases=request.aliases, written=written
            )
        except Erased:
            child(ERASED_DROPPED, "session_open").inc()
            log.info("session.open refused: its person was erased after the message was written")
            raise
        return await _with_history(view, request.history)

    async def _with_history(view: SessionView, limit: int) -> SessionView:
        if limit < 1:
            return view
        if view.created:  # nothing was said in a session this call created
            return msgspec.structs.replace(view, recent=[])
        query = InteractionQuery(session_id=view.id, limit=min(limit, MAX_HISTORY))
        recent = await interactions.recent(query)
        return msgspec.structs.replace(view, recent=recent)

    return [
        Operation(SESSION_GET, ById, get),
        Operation(SESSION_UPDATE, SessionUpdate, update),
        Operation(SESSION_OPEN, SessionOpen, open_),
    ]
