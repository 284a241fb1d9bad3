"""The session operations the store answers over request/reply (``store_api``)."""

from __future__ import annotations

from concierge_common.rpc import Operation
from concierge_common.store_api import (
    SESSION_GET,
    SESSION_OPEN,
    SESSION_UPDATE,
    ById,
    SessionOpen,
    SessionUpdate,
    SessionView,
)
from store.sessions import Sessions


def session_operations(sessions: Sessions) -> list[Operation]:
    """session.get, session.update and session.open, answered by ``sessions``."""

    async def get(request: ById) -> SessionView:
        return await sessions.get(request.id)

    async def update(request: SessionUpdate) -> SessionView:
        return await sessions.update(request)

    async def open_(request: SessionOpen) -> SessionView:
        return await sessions.open(request.whatsapp_id, request.push_name, aliases=request.aliases)

    return [
        Operation(SESSION_GET, ById, get),
        Operation(SESSION_UPDATE, SessionUpdate, update),
        Operation(SESSION_OPEN, SessionOpen, open_),
    ]
