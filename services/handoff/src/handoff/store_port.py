"""What the handoff service asks the store, as a narrow protocol, and its RPC adapter.

The desk, the flow handlers and the sweeper depend on :class:`HandoffStore`
only, so unit tests can give them a small in-memory store. Errors keep the
store's classes: ``NotFound`` (404), ``Conflict`` (409), ``DownstreamUnavailable``,
and an ``Outage`` when the store's database is down or no store answers (the bus
retries it for as long as it lasts).
"""

from __future__ import annotations

from typing import Protocol, TypeVar

import msgspec

from concierge_common.bus.rpc import RpcClient
from concierge_common.contracts import store_api as api
from concierge_common.errors import NotFound

T = TypeVar("T")


class HandoffStore(Protocol):
    """The store operations the handoff service uses."""

    async def get(self, handoff_id: str) -> api.HandoffView: ...

    async def open_for(self, conversation_id: str) -> api.HandoffView | None:
        """The open handoff of a conversation, ``None`` when there is none."""
        ...

    async def by_reference(self, reference: str) -> api.HandoffView: ...

    async def list_handoffs(
        self, states: list[api.HandoffState] | None = None, limit: int = 100
    ) -> list[api.HandoffView]: ...

    async def move(self, move: api.HandoffMove) -> api.HandoffView: ...

    async def touch(self, touch: api.HandoffTouch) -> api.HandoffView: ...

    async def notice(self, handoff_id: str) -> api.HandoffView: ...

    async def events(self, handoff_id: str) -> list[api.HandoffEventView]: ...

    async def prompts(self, service_name: str) -> dict[str, str]:
        """The current prompts of a service by name; empty when it has none."""
        ...


class RpcHandoffStore:
    """:class:`HandoffStore` over the store's request/reply operations."""

    def __init__(self, client: RpcClient) -> None:
        self._client = client

    async def get(self, handoff_id: str) -> api.HandoffView:
        return await self._call(api.HANDOFF_GET, api.ById(id=handoff_id), api.HandoffView)

    async def open_for(self, conversation_id: str) -> api.HandoffView | None:
        query = api.HandoffQuery(conversation_id=conversation_id)
        try:
            return await self._call(api.HANDOFF_FIND, query, api.HandoffView)
        except NotFound:
            return None

    async def by_reference(self, reference: str) -> api.HandoffView:
        query = api.HandoffQuery(reference=reference)
        return await self._call(api.HANDOFF_FIND, query, api.HandoffView)

    async def list_handoffs(
        self, states: list[api.HandoffState] | None = None, limit: int = 100
    ) -> list[api.HandoffView]:
        query = api.HandoffListQuery(states=states, limit=limit)
        return await self._call(api.HANDOFF_LIST, query, list[api.HandoffView])

    async def move(self, move: api.HandoffMove) -> api.HandoffView:
        return await self._call(api.HANDOFF_MOVE, move, api.HandoffView)

    async def touch(self, touch: api.HandoffTouch) -> api.HandoffView:
        return await self._call(api.HANDOFF_TOUCH, touch, api.HandoffView)

    async def notice(self, handoff_id: str) -> api.HandoffView:
        return await self._call(api.HANDOFF_NOTICE, api.ById(id=handoff_id), api.HandoffView)

    async def events(self, handoff_id: str) -> list[api.HandoffEventView]:
        request = api.ById(id=handoff_id)
        return await self._call(api.HANDOFF_EVENTS, request, list[api.HandoffEventView])

    async def prompts(self, service_name: str) -> dict[str, str]:
        services = await self._call(api.SERVICE_LIST, api.ListQuery(), list[api.ServiceView])
        service = next((s for s in services if s.name == service_name), None)
        if service is None:
            return {}
        query = api.ListQuery(service_id=service.id)
        contexts = await self._call(api.CONTEXT_LIST, query, list[api.ContextView])
        if not contexts:
            return {}
        return dict(max(contexts, key=lambda context: context.version).prompts)

    async def open_handoff(self, request: api.HandoffOpen) -> api.HandoffView:
        return await self._call(api.HANDOFF_OPEN, request, api.HandoffView)

    async def user_of(self, whatsapp_id: str, *, written_at: float = 0.0) -> str:
        """The id of the person behind a WhatsApp chat (their session is opened if needed).

        ``written_at``: when what it is looked up for was written; ``Erased`` when the
        person was erased since.
        """
        request = api.SessionOpen(whatsapp_id=whatsapp_id, written_at=written_at)
        return (await self._call(api.SESSION_OPEN, request, api.SessionView)).user_id

    async def _call(self, operation: str, request: msgspec.Struct, result: type[T]) -> T:
        return await self._client.call(api.SERVICE, operation, request, result)
