"""The router process: consumes ``inbound``, publishes to ``ai`` and ``handoff``."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from redis.asyncio import Redis

from concierge_common import redis_client
from concierge_common.bus.rpc import RpcClient
from concierge_common.bus.runtime import Runtime, Subscription
from concierge_common.bus.topology import ConsumerSpec
from concierge_common.contracts.messages import MessageReceived, OperatorMessageSeen
from router.admission import Admission
from router.budgets import Limits, RedisBudgets
from router.catalog import CatalogCache
from router.classifier import AiClassifier
from router.coalescer import Coalescer
from router.conversation import Conversation
from router.dedup import HandledMessages
from router.inbound import InboundHandler
from router.next_message import jetstream_next_message
from router.outbox import Outbox
from router.settings import RouterSettings
from router.store_client import StoreClient
from router.verification import Verification


class RouterService:
    def __init__(self, settings: RouterSettings, *, health_port: int | None = None) -> None:
        self.settings = settings
        port = settings.router_health_port if health_port is None else health_port
        self.runtime = Runtime("router", settings, health_port=port)

    async def start(self) -> None:
        settings = self.settings
        runtime = self.runtime
        redis = redis_client.connect(settings.redis_url)
        runtime.on_stop(redis.aclose)
        await runtime.start()

        async def redis_ready() -> bool:
            return bool(await redis.ping())

        runtime.readiness.add("redis", redis_ready)
        await runtime.consume(
            Subscription(
                ConsumerSpec("router", "inbound"),
                (MessageReceived, OperatorMessageSeen),
                self._handler(redis),
            )
        )

    def _handler(self, redis: Redis) -> InboundHandler:
        settings = self.settings
        runtime = self.runtime
        timeout = settings.router_store_timeout_seconds
        rpc = RpcClient(runtime.nc, runtime.topology, timeout=timeout)
        store = StoreClient(rpc, history=settings.router_history_messages)
        outbox = Outbox(runtime.publisher, history_chars=settings.router_history_chars)
        zone = ZoneInfo(settings.router_timezone)
        conversation = Conversation(
            store,
            outbox,
            CatalogCache(store, ttl=settings.router_catalog_cache_seconds),
            AiClassifier(rpc, timeout=timeout),
            Verification(store, outbox, zone=zone),
            default_service=settings.router_default_service,
        )
        next_message = jetstream_next_message(runtime.nc.jetstream(), runtime.topology.stream)
        prefix = f"{settings.bus_namespace}:" if settings.bus_namespace else ""
        return InboundHandler(
            store,
            outbox,
            conversation,
            Coalescer(next_message, window=settings.router_burst_window_seconds),
            HandledMessages(
                redis, key_prefix=prefix, ttl_seconds=settings.router_dedup_ttl_seconds
            ),
            staff_chat_id=settings.staff_chat_id,
            admission=Admission(_budgets(redis, settings, prefix), outbox, zone=zone),
        )

    async def stop(self) -> None:
        await self.runtime.stop()


def _budgets(redis: Redis, settings: RouterSettings, prefix: str) -> RedisBudgets:
    limits = Limits(
        person=settings.router_person_messages_per_hour,
        channel=settings.router_channel_messages_per_hour,
        relay=settings.router_person_relays_per_hour,
    )
    return RedisBudgets(redis, limits, key_prefix=prefix)
