"""The handoff process."""

from __future__ import annotations

from concierge_common.bus.topology import ConsumerSpec
from concierge_common.messages import HandoffRequested
from concierge_common.runtime import Runtime, Subscription
from handoff.notifier import HandoffNotifier
from handoff.settings import HandoffSettings


class HandoffService:
    """Consumes ``handoff``, publishes notifications to ``outbound``."""

    def __init__(self, settings: HandoffSettings, *, health_port: int | None = None) -> None:
        self.settings = settings
        port = settings.handoff_health_port if health_port is None else health_port
        self.runtime = Runtime("handoff", settings, health_port=port)

    async def start(self) -> None:
        await self.runtime.start()
        notifier = HandoffNotifier(
            self.runtime.publisher,
            staff_chat_id=self.settings.staff_chat_id,
            conversation_key=self.settings.conversation_id_key,
        )
        await self.runtime.consume(
            Subscription(ConsumerSpec("handoff", "handoff"), (HandoffRequested,), notifier)
        )

    async def stop(self) -> None:
        await self.runtime.stop()
