"""The handoff process: the human side of a conversation.

Consumes the ``handoff`` flow (alerts, relays from people, staff chat
messages), answers the staff desk's request/reply operations (``rpc.v1.handoff.*``)
and runs the timers' sweeper. Every state change goes through the store's
request/reply operations; texts go out on the bus (:mod:`handoff.outbox`).
"""

from __future__ import annotations

from concierge_common.bus.topology import ConsumerSpec
from concierge_common.handoff_api import SERVICE
from concierge_common.rpc import RpcClient, RpcServer
from concierge_common.runtime import Runtime, Subscription
from handoff.alerts import Alerts
from handoff.desk import Desk
from handoff.desk_ops import DeskOperations
from handoff.flow import ACCEPTS, HandoffFlow
from handoff.outbox import Outbox
from handoff.prompts import PersonTexts
from handoff.relay import Relay
from handoff.settings import HandoffSettings
from handoff.staff_chat import StaffChat
from handoff.store_port import RpcHandoffStore
from handoff.sweeper import Sweeper


class HandoffService:
    """Consumes ``handoff``; publishes to ``ai`` (people) and ``outbound`` (staff chat)."""

    def __init__(self, settings: HandoffSettings, *, health_port: int | None = None) -> None:
        self.settings = settings
        port = settings.handoff_health_port if health_port is None else health_port
        self.runtime = Runtime("handoff", settings, health_port=port)

    async def start(self) -> None:
        settings = self.settings
        runtime = self.runtime
        await runtime.start()
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
        desk = Desk(store, outbox, texts)

        server = RpcServer(SERVICE, DeskOperations(store, desk).operations())
        await server.start(runtime.nc, runtime.topology)
        await runtime.nc.flush()  # subscribed on the server: callers find a responder now
        runtime.on_stop(server.stop)

        sweeper = Sweeper(
            store,
            desk,
            outbox,
            texts,
            period_seconds=settings.handoff_sweep_seconds,
            no_staff_seconds=settings.handoff_no_staff_seconds,
            idle_seconds=settings.handoff_idle_seconds,
            batch=settings.handoff_sweep_batch,
        )
        sweeper.start()
        runtime.on_stop(sweeper.stop)

        flow = HandoffFlow(
            Alerts(store, outbox, texts),
            Relay(store, desk, outbox, texts),
            StaffChat(store, desk, outbox),
        )
        await runtime.consume(Subscription(ConsumerSpec("handoff", "handoff"), ACCEPTS, flow))

    async def stop(self) -> None:
        await self.runtime.stop()
