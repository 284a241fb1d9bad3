"""The router process."""

from __future__ import annotations

from redis.asyncio import Redis

from concierge_common.bus.topology import ConsumerSpec
from concierge_common.messages import MessageReceived
from concierge_common.runtime import Runtime, Subscription
from router.forwarder import Forwarder
from router.settings import RouterSettings


class RouterService:
    """Consumes ``inbound``, publishes to ``ai``."""

    def __init__(self, settings: RouterSettings, *, health_port: int | None = None) -> None:
        self.settings = settings
        port = settings.router_health_port if health_port is None else health_port
        self.runtime = Runtime("router", settings, health_port=port)

    async def start(self) -> None:
        runtime = self.runtime
        redis = Redis.from_url(self.settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
        runtime.on_stop(redis.aclose)
        await runtime.start()

        async def redis_ready() -> bool:
            return bool(await redis.ping())

        runtime.readiness.add("redis", redis_ready)
        prefix = f"{self.settings.bus_namespace}:" if self.settings.bus_namespace else ""
        forwarder = Forwarder(
            runtime.publisher,
            redis,
            key_prefix=prefix,
            ttl_seconds=self.settings.router_dedup_ttl_seconds,
        )
        await runtime.consume(
            Subscription(ConsumerSpec("router", "inbound"), (MessageReceived,), forwarder)
        )

    async def stop(self) -> None:
        await self.runtime.stop()
