"""An in-memory stand-in for the handoff service's desk, answering ``handoff_api`` over real NATS.

It keeps the rules the gateway's staff API must carry through: an unknown
handoff is ``NotFound``, an action the handoff's state does not allow (by
``store_api.HANDOFF_TRANSITIONS``) is ``Conflict``. It records every request,
so that a test can assert the exact desk request the gateway sent, and can be
told to fail an operation or to never answer it.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import nats
from nats.aio.client import Client as NATS

from concierge_common import settings as settings_module
from concierge_common.bus.rpc import Operation, RpcServer
from concierge_common.bus.topology import Topology
from concierge_common.contracts import handoff_api as desk
from concierge_common.contracts.store_api import (
    HANDOFF_OPEN_STATES,
    HANDOFF_TRANSITIONS,
    HandoffEventView,
    HandoffState,
    HandoffView,
)
from concierge_common.errors import Conflict, NotFound
from concierge_common.settings import BusSettings

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@dataclass
class FakeDesk:
    """Handoffs and their audit trails as plain dicts, and the requests received, in order."""

    received: list[tuple[str, Any]] = field(default_factory=list)
    handoffs: dict[str, HandoffView] = field(default_factory=dict)
    events: dict[str, list[HandoffEventView]] = field(default_factory=dict)
    # operation -> the exception to raise instead of answering
    broken: dict[str, Exception] = field(default_factory=dict)
    # operations that never answer (the caller times out)
    stalled: set[str] = field(default_factory=set)
    _server: RpcServer | None = None
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    def last(self, operation: str) -> Any:
        """The last request of ``operation``; fails the test when there was none."""
        for name, request in reversed(self.received):
            if name == operation:
                return request
        raise AssertionError(f"the desk received no {operation} request")

    async def start(self, nc: NATS, topology: Topology) -> None:
        self._server = RpcServer(desk.SERVICE, self._operations())
        await self._server.start(nc, topology)

    async def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            await self._server.stop()

    # --- seeding ----------------------------------------------------------------------

    def add_handoff(
        self, state: HandoffState = "requested", *, chat_id: str = "33600000001@c.us"
    ) -> HandoffView:
        number = len(self.handoffs)
        handoff = HandoffView(
            id=str(uuid.uuid4()),
            reference=f"H{number:04d}",
            conversation_id=uuid.uuid4().hex,
            user_id=str(uuid.uuid4()),
            session_id=str(uuid.uuid4()),
            wa_session="default",
            chat_id=chat_id,
            state=state,
            reason="person_asked",
            requested_by="person",
            summary="Je voudrais parler au curé.",
            assigned_to=None,
            created_at=NOW + timedelta(minutes=number),
            updated_at=NOW + timedelta(minutes=number),
            first_staff_reply_at=None,
            last_person_at=NOW,
            last_staff_at=None,
            notice_sent_at=None,
            ended_at=None,
        )
        self.handoffs[handoff.id] = handoff
        self.events[handoff.id] = [
            HandoffEventView(at=NOW, from_state=None, to_state="requested", actor="person", note="")
        ]
        return handoff

    # --- operations -------------------------------------------------------------------

    def _operations(self) -> list[Operation]:
        handlers: dict[str, tuple[type[Any], Callable[[Any], Any]]] = {
            desk.DESK_LIST: (desk.DeskQuery, self._list),
            desk.DESK_GET: (desk.DeskAction, self._get),
            desk.DESK_REPLY: (desk.DeskReply, self._reply),
            desk.DESK_ASSIGN: (desk.DeskAction, lambda r: self._move(r, "assigned")),
            desk.DESK_RETURN: (desk.DeskAction, lambda r: self._move(r, "returned")),
            desk.DESK_CLOSE: (desk.DeskAction, lambda r: self._move(r, "closed")),
        }
        return [
            Operation(name, request_type, self._recording(name, handler))
            for name, (request_type, handler) in handlers.items()
        ]

    def _recording(
        self, name: str, handler: Callable[[Any], Any]
    ) -> Callable[[Any], Awaitable[Any]]:
        async def handle(request: Any) -> Any:
            self.received.append((name, request))
            if name in self.stalled:
                await self._release.wait()
            if name in self.broken:
                raise self.broken[name]
            return handler(request)

        return handle

    def _find(self, handoff_id: str) -> HandoffView:
        try:
            return self.handoffs[handoff_id]
        except KeyError:
            raise NotFound(f"handoff {handoff_id} not found") from None

    def _list(self, query: desk.DeskQuery) -> list[HandoffView]:
        states = set(query.states or HANDOFF_OPEN_STATES)
        found = [h for h in self.handoffs.values() if h.state in states]
        return sorted(found, key=lambda h: h.created_at)[: query.limit]

    def _get(self, action: desk.DeskAction) -> desk.DeskHandoff:
        return desk.DeskHandoff(handoff=self._find(action.id), events=self.events[action.id])

    def _reply(self, reply: desk.DeskReply) -> HandoffView:
        handoff = self._find(reply.id)
        if handoff.state not in HANDOFF_OPEN_STATES:
            raise Conflict(f"handoff {reply.id} is {handoff.state}")
        if handoff.state != "active":
            handoff = self._transition(handoff, "active", reply.staff)
        changes = {
            "assigned_to": handoff.assigned_to or reply.staff,
            "first_staff_reply_at": handoff.first_staff_reply_at or NOW,
            "last_staff_at": NOW,
        }
        return self._save(msgspec.structs.replace(handoff, **changes))

    def _move(self, action: desk.DeskAction, to: HandoffState) -> HandoffView:
        handoff = self._transition(self._find(action.id), to, action.staff)
        if to == "assigned":
            handoff = msgspec.structs.replace(handoff, assigned_to=action.staff)
        if to in ("returned", "closed"):
            handoff = msgspec.structs.replace(handoff, ended_at=NOW)
        return self._save(handoff)

    def _transition(self, handoff: HandoffView, to: HandoffState, staff: str) -> HandoffView:
        if to not in HANDOFF_TRANSITIONS[handoff.state]:
            raise Conflict(f"illegal transition {handoff.state} -> {to}")
        event = HandoffEventView(
            at=NOW, from_state=handoff.state, to_state=to, actor=f"staff:{staff}", note=""
        )
        self.events[handoff.id].append(event)
        return msgspec.structs.replace(handoff, state=to, updated_at=NOW)

    def _save(self, handoff: HandoffView) -> HandoffView:
        self.handoffs[handoff.id] = handoff
        return handoff


@contextlib.asynccontextmanager
async def running_desk(env: dict[str, str]) -> AsyncIterator[FakeDesk]:
    """A fake desk answering in the bus namespace of ``env``, on a NATS connection of its own."""
    settings = settings_module.load(BusSettings, env)
    nc = await nats.connect(settings.nats_url)
    fake = FakeDesk()
    try:
        await fake.start(nc, Topology.from_settings(settings))
        yield fake
    finally:
        await fake.stop()
        await nc.close()
