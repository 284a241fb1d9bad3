"""The store operations the router uses, as typed methods over request/reply.

The router's logic talks to this narrow surface (:class:`StorePort`), so unit
tests can give it an in-memory stand-in while the service wires the real RPC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from concierge_common.bus.rpc import RpcClient
from concierge_common.contracts import store_api as api
from concierge_common.errors import NotFound


class StorePort(Protocol):
    async def open_session(
        self,
        whatsapp_id: str,
        push_name: str,
        aliases: Sequence[str] = (),
        *,
        written_at: float = 0.0,
    ) -> api.SessionView: ...

    async def update_session(self, update: api.SessionUpdate) -> api.SessionView: ...

    async def services(self) -> list[api.ServiceView]: ...

    async def contexts(self, service_id: str) -> list[api.ContextView]: ...

    async def infos(self, service_id: str) -> list[api.InfoView]:
        """The service's facts valid now."""
        ...

    async def roles(self, user_id: str) -> list[api.RoleView]: ...

    async def claim(self, claim: api.CodeClaim) -> api.ClaimResult: ...

    async def families(self, user_id: str, service_name: str) -> list[api.FamilyView]: ...

    async def open_handoff(self, request: api.HandoffOpen) -> api.HandoffView: ...

    async def open_handoff_of(self, conversation_id: str) -> api.HandoffView | None: ...


class StoreClient:
    """:class:`StorePort` over the store's RPC operations."""

    def __init__(self, rpc: RpcClient, *, history: int = 0) -> None:
        """``history``: how many of the session's last messages ``session.open`` returns."""
        self._rpc = rpc
        self._history = history

    async def open_session(
        self,
        whatsapp_id: str,
        push_name: str,
        aliases: Sequence[str] = (),
        *,
        written_at: float = 0.0,
    ) -> api.SessionView:
        """The person's open session; ``aliases`` (their other ids) are linked to them.

        ``written_at``: when the message it is opened for was written; ``Erased`` when
        its person was erased since (the message is then dropped).
        """
        request = api.SessionOpen(
            whatsapp_id=whatsapp_id,
            push_name=push_name,
            aliases=list(aliases),
            written_at=written_at,
            history=self._history,
        )
        return await self._rpc.call(api.SERVICE, api.SESSION_OPEN, request, api.SessionView)

    async def update_session(self, update: api.SessionUpdate) -> api.SessionView:
        return await self._rpc.call(api.SERVICE, api.SESSION_UPDATE, update, api.SessionView)

    async def services(self) -> list[api.ServiceView]:
        return await self._rpc.call(
            api.SERVICE, api.SERVICE_LIST, api.ListQuery(), list[api.ServiceView]
        )

    async def infos(self, service_id: str) -> list[api.InfoView]:
        query = api.ListQuery(service_id=service_id, valid_at=datetime.now(UTC))
        return await self._rpc.call(api.SERVICE, api.INFO_LIST, query, list[api.InfoView])

    async def contexts(self, service_id: str) -> list[api.ContextView]:
        query = api.ListQuery(service_id=service_id)
        return await self._rpc.call(api.SERVICE, api.CONTEXT_LIST, query, list[api.ContextView])

    async def roles(self, user_id: str) -> list[api.RoleView]:
        query = api.ListQuery(user_id=user_id)
        return await self._rpc.call(api.SERVICE, api.ROLE_LIST, query, list[api.RoleView])

    async def claim(self, claim: api.CodeClaim) -> api.ClaimResult:
        return await self._rpc.call(api.SERVICE, api.CODE_CLAIM, claim, api.ClaimResult)

    async def families(self, user_id: str, service_name: str) -> list[api.FamilyView]:
        query = api.FamilyQuery(user_id=user_id, service_name=service_name)
        return await self._rpc.call(api.SERVICE, api.FAMILY_GET, query, list[api.FamilyView])

    async def open_handoff(self, request: api.HandoffOpen) -> api.HandoffView:
        return await self._rpc.call(api.SERVICE, api.HANDOFF_OPEN, request, api.HandoffView)

    async def open_handoff_of(self, conversation_id: str) -> api.HandoffView | None:
        """The conversation's open handoff, or None when no handoff of it is open."""
        query = api.HandoffQuery(conversation_id=conversation_id)
        try:
            return await self._rpc.call(api.SERVICE, api.HANDOFF_FIND, query, api.HandoffView)
        except NotFound:
            return None
