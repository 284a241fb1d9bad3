"""The staff desk over request/reply (:mod:`concierge_common.contracts.handoff_api`).

The gateway's staff HTTP API calls these; they drive the same :class:`Desk` as
the staff chat, with actor ``api:<staff>``. ``NotFound`` and ``Conflict`` keep
their class (404, 409) through the RPC envelope.

``desk.reply`` ids: with a ``request_id`` (the HTTP ``Idempotency-Key``) the
text sent to the person derives from (handoff, request_id), so a retried call
republishes the same message and JetStream drops the copy; without one each
call is a new message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from concierge_common import context, ids
from concierge_common.bus.rpc import Operation
from concierge_common.contracts import handoff_api as api
from concierge_common.contracts.store_api import HandoffView
from concierge_common.errors import Conflict, NotFound
from concierge_common.metrics import child
from handoff import metrics
from handoff.desk import Actor, Desk
from handoff.store_port import HandoffStore

T = TypeVar("T")
ActionHandler = Callable[[HandoffView, Actor, str], Awaitable[HandoffView]]


class DeskOperations:
    """Handlers of the ``handoff`` service's desk operations."""

    def __init__(self, store: HandoffStore, desk: Desk) -> None:
        self._store = store
        self._desk = desk

    def operations(self) -> list[Operation]:
        return [
            Operation(api.DESK_LIST, api.DeskQuery, self.list_handoffs),
            Operation(api.DESK_GET, api.DeskAction, self.get),
            Operation(api.DESK_REPLY, api.DeskReply, self.reply),
            Operation(api.DESK_ASSIGN, api.DeskAction, self.assign),
            Operation(api.DESK_RETURN, api.DeskAction, self.return_to_bot),
            Operation(api.DESK_CLOSE, api.DeskAction, self.close),
        ]

    async def list_handoffs(self, query: api.DeskQuery) -> list[HandoffView]:
        return await self._desk.list_handoffs(query.states, query.limit)

    async def get(self, action: api.DeskAction) -> api.DeskHandoff:
        return await _counted(self._desk.get(action.id))

    async def reply(self, request: api.DeskReply) -> HandoffView:
        handoff = await _counted(self._store.get(request.id))
        if request.request_id:
            message_id = ids.derived_id(
                "handoff-desk-reply", f"{handoff.id}\x1f{request.request_id}"
            )
        else:
            message_id = ids.new_id()
        actor = Actor("api", request.staff)
        return await _counted(
            self._desk.reply(
                handoff,
                request.text,
                actor,
                message_id=message_id,
                correlation_id=_correlation(message_id),
            )
        )

    async def assign(self, action: api.DeskAction) -> HandoffView:
        return await self._act(action, self._assign)

    async def return_to_bot(self, action: api.DeskAction) -> HandoffView:
        return await self._act(action, self._return)

    async def close(self, action: api.DeskAction) -> HandoffView:
        return await self._act(action, self._close)

    async def _act(self, action: api.DeskAction, handler: ActionHandler) -> HandoffView:
        handoff = await _counted(self._store.get(action.id))
        actor = Actor("api", action.staff)
        return await _counted(handler(handoff, actor, _correlation(handoff.id)))

    async def _assign(self, handoff: HandoffView, actor: Actor, correlation: str) -> HandoffView:
        return await self._desk.assign(handoff, actor, correlation_id=correlation)

    async def _return(self, handoff: HandoffView, actor: Actor, correlation: str) -> HandoffView:
        return await self._desk.return_to_bot(handoff, actor, correlation_id=correlation)

    async def _close(self, handoff: HandoffView, actor: Actor, correlation: str) -> HandoffView:
        return await self._desk.close(handoff, actor, correlation_id=correlation)


async def _counted(step: Awaitable[T]) -> T:
    """Await ``step``, counting the refusals that the caller will see as 404/409."""
    try:
        return await step
    except NotFound:
        child(metrics.DESK_ERRORS, "not_found").inc()
        raise
    except Conflict:
        child(metrics.DESK_ERRORS, "conflict").inc()
        raise


def _correlation(fallback: str) -> str:
    return context.correlation_id_var.get() or fallback
