"""The session operations the store answers over request/reply (``store_api``).

``session.open`` carries when the message it is opened for was written: a person
erased since is not brought back (410 ``Erased``; counted here, dropped by the caller).
"""

from __future__ import annotations

import logging

from concierge_common.bus.rpc import Operation
from concierge_common.contracts.store_api import (
    SESSION_GET,
    SESSION_OPEN,
    SESSION_UPDATE,
    ById,
    SessionOpen,
    SessionUpdate,
    SessionView,
)
from concierge_common.errors import Erased
from concierge_common.metrics import child
from store.metrics import ERASED_DROPPED
from store.sessions import Sessions
from store.tombstones import Written

log = logging.getLogger(__name__)


def session_operations(sessions: Sessions) -> list[Operation]:
    """session.get, session.update and session.open, answered by ``sessions``."""

    async def get(request: ById) -> SessionView:
        return await sessions.get(request.id)

    async def update(request: SessionUpdate) -> SessionView:
        return await sessions.update(request)

    async def open_(request: SessionOpen) -> SessionView:
        written = Written.of_seconds(request.written_at)
        try:
            return await sessions.open(
                request.whatsapp_id, request.push_name, aliases=request.aliases, written=written
            )
        except Erased:
            child(ERASED_DROPPED, "session_open").inc()
            log.info("session.open refused: its person was erased after the message was written")
            raise

    return [
        Operation(SESSION_GET, ById, get),
        Operation(SESSION_UPDATE, SessionUpdate, update),
        Operation(SESSION_OPEN, SessionOpen, open_),
    ]
