"""The gateway process: the public HTTP edge (webhook and HTTP API) and/or the outbound
consumer that talks to WAHA.

``GATEWAY_ROLES`` chooses: both in one process for development, one role per
deployable in production (see ``docker-compose.yml``).
"""

from __future__ import annotations

import httpx

from concierge_common.bus.health import HttpServer
from concierge_common.bus.heartbeat import HeartbeatReader
from concierge_common.bus.publisher import Publisher
from concierge_common.bus.rpc import RpcClient
from concierge_common.bus.runtime import Runtime, Subscription
from concierge_common.bus.topology import PERIODS_KEPT, ConsumerSpec
from concierge_common.contracts.messages import SendReply
from concierge_common.storage.media_storage import open_storage
from gateway.api_channel import ApiReplies, ReplyListener
from gateway.app import create_app
from gateway.identity import LidResolver
from gateway.ingest import Ingest
from gateway.media_fetch import MediaFetcher
from gateway.outbound import OutboundSender, SendOptions
from gateway.pacing import Pacing
from gateway.rate_limit import Limits, open_limits
from gateway.recovery import KnownMessages, Recovery
from gateway.settings import GatewaySettings
from gateway.waha_client import WahaClient
from gateway.waha_session import SessionWatch


class GatewayService:
    """Owns the runtime, the WAHA client and the public HTTP server."""

    def __init__(
        self,
        settings: GatewaySettings,
        *,
        waha_transport: httpx.AsyncBaseTransport | None = None,
        health_port: int | None = None,
        api_port: int | None = None,
    ) -> None:
        self.settings = settings
        self.runtime = Runtime(
            "gateway",
            settings,
            health_port=settings.gateway_health_port if health_port is None else health_port,
            consumes="outbound" in settings.roles,
        )
        self._waha_transport = waha_transport
        self._api_port = settings.gateway_port if api_port is None else api_port
        self._api: HttpServer | None = None

    @property
    def api_port(self) -> int:
        return self._api.port if self._api else self._api_port

    async def start(self) -> None:
        if "api" in self.settings.roles:
            # Not ready until the public port answers (the side app starts first).
            self.runtime.readiness.add("http_api", self._api_serving)
        await self.runtime.start()
        if "outbound" in self.settings.roles:
            await self._start_outbound()
        if "api" in self.settings.roles:
            await self._start_api()

    async def _start_outbound(self) -> None:
        settings = self.settings
        runtime = self.runtime
        waha = self._waha_client()
        sent = await runtime.nc.jetstream().key_value(runtime.topology.sent_bucket)
        ack_wait = settings.waha_timeout_seconds + 15
        outbound = ConsumerSpec("gateway", "outbound", ack_wait_seconds=ack_wait)
        sender = OutboundSender(
            waha,
            sent,
            runtime.publisher,
            ApiReplies(runtime.nc, runtime.topology),
            whatsapp_session=settings.waha_session,
            options=self._send_options(max_wait=ack_wait / 2),
        )
        await runtime.consume(Subscription(outbound, (SendReply,), sender))

    def _send_options(self, *, max_wait: float) -> SendOptions:
        """Typing pace, rate limits (shared through Redis when set), files, part length."""
        settings = self.settings
        namespace = settings.bus_namespace
        limits, redis = open_limits(
            settings.redis_url,
            Limits(
                per_chat=settings.gateway_chat_messages_per_minute,
                per_number=settings.gateway_global_messages_per_minute,
            ),
            key_prefix=f"{namespace}:" if namespace else "",
            max_wait=max_wait,
        )
        if redis is not None:
            self.runtime.on_stop(redis.aclose)
        pacing = Pacing(
            chars_per_second=settings.gateway_typing_chars_per_second,
            min_seconds=settings.gateway_typing_min_seconds,
            max_seconds=settings.gateway_typing_max_seconds,
            jitter_seconds=settings.gateway_typing_jitter_seconds,
        )
        return SendOptions(
            pacing=pacing,
            limits=limits,
            media=open_storage(settings.media_storage_url),
            part_max_chars=settings.gateway_part_max_chars,
            staff_chat_id=settings.staff_chat_id,
        )

    def _waha_client(self) -> WahaClient:
        settings = self.settings
        waha = WahaClient(
            settings.waha_url,
            settings.waha_api_key,
            timeout=settings.waha_timeout_seconds,
            transport=self._waha_transport,
        )
        self.runtime.on_stop(waha.aclose)
        return waha

    async def _start_api(self) -> None:
        settings = self.settings
        runtime = self.runtime
        # Webhooks wait for the JetStream ack no longer than WAHA should wait for us.
        webhook_publisher = Publisher(
            runtime.nc, runtime.topology, timeout=settings.gateway_publish_timeout_seconds
        )
        waha = self._waha_client()
        ingest = await self._ingest(webhook_publisher, waha)
        # The store's timeout by default; the staff routes pass the desk's own.
        rpc = RpcClient(
            runtime.nc, runtime.topology, timeout=settings.gateway_store_timeout_seconds
        )
        heartbeats = HeartbeatReader(
            runtime.nc,
            runtime.topology.health_bucket,
            max_age=PERIODS_KEPT * settings.bus_heartbeat_seconds,
        )
        replies = ReplyListener(runtime.nc, runtime.topology)
        recovery = Recovery(waha, ingest, KnownMessages(rpc), settings)
        runtime.on_stop(recovery.close)  # before the WAHA client closes (closers run reversed)
        waha_state = await runtime.nc.jetstream().key_value(runtime.topology.waha_bucket)
        sessions = SessionWatch(waha_state, recovery)
        await sessions.resume(settings.waha_session)
        app = create_app(
            settings,
            webhook_publisher,
            rpc,
            heartbeats,
            replies=replies,
            ingest=ingest,
            sessions=sessions,
        )
        server = HttpServer(
            app,
            settings.gateway_host,
            self._api_port,
            grace_seconds=settings.shutdown_grace_seconds,  # webhooks being answered finish
            max_body_bytes=settings.gateway_max_body_bytes,
            max_connections=settings.gateway_max_connections,
        )
        await server.start()
        self._api = server

    async def _ingest(self, publisher: Publisher, waha: WahaClient) -> Ingest:
        """Webhooks' path to the bus: identity resolved, files downloaded, then published."""
        settings = self.settings
        topology = self.runtime.topology
        resolver = LidResolver(
            waha,
            await self.runtime.nc.jetstream().key_value(topology.lid_bucket),
            conversation_key=settings.conversation_id_key,
        )
        fetcher = MediaFetcher(
            waha,
            open_storage(settings.media_storage_url),
            max_bytes=settings.gateway_media_max_bytes,
            types=settings.media_types,
        )
        return Ingest(publisher, [resolver, fetcher])

    async def _api_serving(self) -> bool:
        return self._api is not None

    async def stop(self) -> None:
        self.runtime.readiness.stopping = True
        if self._api is not None:
            await self._api.stop()  # finishes the webhooks being answered
        await self.runtime.stop()
