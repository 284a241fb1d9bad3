"""The ai process."""

from __future__ import annotations

from ai.answerer import KeywordAnswerer
from ai.facts import DEMO_FACTS
from ai.responder import Responder
from ai.settings import AiSettings
from concierge_common.bus.topology import ConsumerSpec
from concierge_common.messages import GenerateReply
from concierge_common.runtime import Runtime, Subscription


class AiService:
    """Consumes ``ai``, publishes to ``outbound`` or ``handoff``."""

    def __init__(self, settings: AiSettings, *, health_port: int | None = None) -> None:
        self.settings = settings
        port = settings.ai_health_port if health_port is None else health_port
        self.runtime = Runtime("ai", settings, health_port=port)

    async def start(self) -> None:
        await self.runtime.start()
        answerer = KeywordAnswerer(DEMO_FACTS, min_score=self.settings.ai_min_score)
        responder = Responder(self.runtime.publisher, answerer)
        await self.runtime.consume(
            Subscription(ConsumerSpec("ai", "ai"), (GenerateReply,), responder)
        )

    async def stop(self) -> None:
        await self.runtime.stop()
