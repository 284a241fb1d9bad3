"""The ai process: answers the ``ai`` flow and ``intent.classify`` requests."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ai.artifacts import CalendarArtifacts
from ai.backends import build_answerer
from ai.classifier import IntentClassifier
from ai.facts import StoreFacts
from ai.handoffs import HandoffOpener
from ai.responder import Responder
from ai.settings import AiSettings
from concierge_common import ai_api
from concierge_common.bus.topology import ConsumerSpec
from concierge_common.errors import ConfigError
from concierge_common.media_storage import open_storage
from concierge_common.messages import GenerateReply, SendReply
from concierge_common.rpc import RpcClient, RpcServer
from concierge_common.runtime import Runtime, Subscription


class AiService:
    """Consumes ``ai``, publishes to ``outbound`` and ``handoff``, reads the store."""

    def __init__(self, settings: AiSettings, *, health_port: int | None = None) -> None:
        self.settings = settings
        port = settings.ai_health_port if health_port is None else health_port
        self.runtime = Runtime("ai", settings, health_port=port)
        self.zone = _zone(settings.ai_timezone)

    async def start(self) -> None:
        settings, runtime = self.settings, self.runtime
        await runtime.start()
        rpc = RpcClient(runtime.nc, runtime.topology, timeout=settings.ai_store_timeout_seconds)
        facts = StoreFacts(rpc, ttl_seconds=settings.ai_facts_cache_seconds)

        classifier = IntentClassifier(
            facts, min_score=settings.ai_classify_min_score, margin=settings.ai_classify_margin
        )
        server = RpcServer(ai_api.SERVICE, classifier.operations())
        await server.start(runtime.nc, runtime.topology)
        await runtime.nc.flush()  # subscribed on the server: callers find a responder now
        runtime.on_stop(server.stop)

        storage = open_storage(settings.media_storage_url)
        answerer = build_answerer(
            settings, facts, self.zone, rpc=rpc, on_stop=runtime.on_stop, storage=storage
        )
        artifacts = CalendarArtifacts(storage, zone=self.zone)
        responder = Responder(runtime.publisher, answerer, HandoffOpener(rpc), artifacts=artifacts)
        await runtime.consume(
            Subscription(ConsumerSpec("ai", "ai"), (GenerateReply, SendReply), responder)
        )

    async def stop(self) -> None:
        await self.runtime.stop()


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"invalid setting: AI_TIMEZONE {name!r} is not a known time zone"
        ) from exc
