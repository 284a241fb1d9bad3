"""The handoff process: the human side of a conversation.

Consumes the ``handoff`` flow (alerts, relays from people, staff chat
messages) and the ``failed`` flow (dead-lettered messages handed to a
human), answers the staff desk's request/reply operations
(``rpc.v1.handoff.*``) and runs the timers' sweeper. Every state change goes through the store's
request/reply operations; texts go out on the bus (:mod:`handoff.outbox`).
"""

from __future__ import annotations

from dataclasses import dataclass

from concierge_common.bus.rpc import RpcClient, RpcServer
from concierge_common.bus.runtime import Runtime, Subscription
from concierge_common.bus.topology import ConsumerSpec
from concierge_common.contracts.handoff_api import SERVICE
from concierge_common.contracts.messages import ProcessingFailed
from handoff.alerts import Alerts
from handoff.desk import Desk
from handoff.desk_ops import DeskOperations
from handoff.flow import ACCEPTS, HandoffFlow
from handoff.outbox import Outbox
from handoff.prompts import PersonTexts
from handoff.relay import Relay
from handoff.rescue import Rescue
from handoff.settings import HandoffSettings
from handoff.staff_chat import StaffChat
from handoff.store_port import RpcHandoffStore
from handoff.sweeper import Sweeper


@dataclass(frozen=True)
class _Parts:
    store: RpcHandoffStore
    texts: PersonTexts
    outbox: Outbox
    desk: Desk


class HandoffService:
    """Consumes ``handoff``; publishes to ``ai`` (people) and ``outbound`` (staff chat)."""

    def __init__(self, settings: HandoffSettings, *, health_port: int | None = None) -> None:
        self.settings = settings
        port = settings.handoff_health_port if health_port is None else health_port
        self.runtime = Runtime("handoff", settings, health_port=port)
        self._sweeper: Sweeper | None = None

    async def start(self) -> None:
        await self.runtime.start()
        parts = self._parts()
        await self._serve_desk(parts)
        self._sweeper = self._sweeper_of(parts)
        self._sweeper.start()
        self.runtime.on_stop(self._sweeper.stop)
        flow = HandoffFlow(
            Alerts(parts.store, parts.outbox, parts.texts),
            Relay(parts.store, parts.desk, parts.outbox, parts.texts),
            StaffChat(parts.store, parts.desk, parts.outbox),
        )
        rescue = Rescue(parts.store, parts.outbox, self.runtime.publisher)
        await self.runtime.consume(
            Subscription(ConsumerSpec("handoff", "handoff"), ACCEPTS, flow),
            Subscription(ConsumerSpec("handoff", "failed"), (ProcessingFailed,), rescue),
        )

    def _parts(self) -> _Parts:
        settings, runtime = self.settings, self.runtime
        rpc = RpcClient(
            runtime.nc, runtime.topology, timeout=settings.handoff_store_timeout_seconds
        )
        store = RpcHandoffStore(rpc)
        texts = PersonTexts(
            store, settings.business_hours(), ttl_seconds=settings.handoff_prompts_ttl_seconds
        )
        outbox = Outbox(
            runtime.publisher,
            staff_chat_id=settings.staff_chat_id,
            conversation_key=settings.conversation_id_key,
        )
        return _Parts(store, texts, outbox, Desk(store, outbox, texts))

    async def _serve_desk(self, parts: _Parts) -> None:
        server = RpcServer(SERVICE, DeskOperations(parts.store, parts.desk).operations())
        await server.start(self.runtime.nc, self.runtime.topology)
        await self.runtime.nc.flush()  # subscribed on the server: callers find a responder now
        self.runtime.on_stop(server.stop)

    def _sweeper_of(self, parts: _Parts) -> Sweeper:
        settings = self.settings
        return Sweeper(
            parts.store,
            parts.desk,
            parts.outbox,
            parts.texts,
            period_seconds=settings.handoff_sweep_seconds,
            no_staff_seconds=settings.handoff_no_staff_seconds,
            idle_seconds=settings.handoff_idle_seconds,
            batch=settings.handoff_sweep_batch,
        )

    async def stop(self) -> None:
        if self._sweeper is not None:
            await self._sweeper.stop()  # no sweep while the bus drains
        await self.runtime.stop()
