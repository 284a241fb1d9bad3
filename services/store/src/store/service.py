"""The store process: migrations at start, then the recorder, the expiry and retention
jobs and the RPCs.

store is the only service that talks to Postgres. It consumes the ``inbound``
and ``sent`` flows (every message becomes an interaction, including what an
operator wrote from the phone), sweeps inactive sessions, and answers the other
services' requests over request/reply (sessions, administration, code claims
and family records, handoffs, a session's recent messages).
Redis only holds other services' keys about a person, which an erasure deletes.
"""

from __future__ import annotations

from pathlib import Path

from concierge_common.bus.rpc import RpcServer
from concierge_common.bus.runtime import Runtime, Subscription
from concierge_common.bus.topology import ConsumerSpec
from concierge_common.contracts.store_api import SERVICE
from concierge_common.storage.media_storage import open_storage
from store import db, migrations, redis_client
from store.admin_ops import admin_operations
from store.bus_traces import BusTraces
from store.claims import Claims, claim_policy
from store.expiry import ExpiryJob
from store.family_ops import family_operations
from store.flow_ops import claim_operations, handoff_operations, interaction_operations
from store.handoff_reads import HandoffReads
from store.handoffs import Handoffs
from store.importing.schedule import ImportSchedule, scheduled_mappings
from store.interactions import Interactions
from store.known_messages import known_operations
from store.recorder import INBOUND_TYPES, SENT_TYPES, Ledgers, Recorder
from store.redis_traces import RedisTraces
from store.retention import Purge, RetentionPolicy
from store.retention_job import RetentionJob
from store.session_ops import session_operations
from store.sessions import Sessions
from store.settings import StoreSettings
from store.tombstones import Tombstones
from store.users import Users


class StoreService:
    """Owns the Postgres pool and the Redis client; consumes ``inbound`` and ``sent``."""

    def __init__(self, settings: StoreSettings, *, health_port: int | None = None) -> None:
        self.settings = settings
        port = settings.store_health_port if health_port is None else health_port
        self.runtime = Runtime("store", settings, health_port=port)

    def migrations_dir(self) -> Path:
        configured = self.settings.store_migrations_dir
        return Path(configured) if configured else migrations.default_dir()

    async def start(self) -> None:
        settings = self.settings
        runtime = self.runtime
        await migrations.migrate(settings.database_url, self.migrations_dir())
        pool = await db.create_pool(
            settings.database_url,
            max_size=settings.store_pool_max,
            connect_timeout=settings.store_connect_timeout_seconds,
            statement_timeout=settings.store_statement_timeout_seconds,
        )
        runtime.on_stop(pool.close)
        redis = redis_client.connect(settings.redis_url)
        runtime.on_stop(redis.aclose)

        async def postgres_ready() -> bool:
            return bool(await pool.fetchval("SELECT 1") == 1)

        async def redis_ready() -> bool:
            return bool(await redis.ping())

        # Before the start: the heartbeat task reads the checks as soon as it runs.
        runtime.readiness.add("postgres", postgres_ready)
        runtime.readiness.add("redis", redis_ready)
        await runtime.start()

        users = Users(pool, Tombstones(settings.intrinsic_id_key))
        sessions = Sessions(pool, users, ttl_seconds=settings.store_session_ttl_seconds)

        expiry = ExpiryJob(pool, interval_seconds=settings.store_expiry_interval_seconds)
        expiry.start()
        runtime.on_stop(expiry.stop)
        imports = ImportSchedule(pool, scheduled_mappings(settings.store_import_mappings))
        imports.start()
        runtime.on_stop(imports.stop)

        admin = admin_operations(
            pool,
            settings,
            bus=BusTraces(lambda: runtime.nc, runtime.topology),
            redis=RedisTraces(redis, namespace=settings.bus_namespace),
        )
        policy = claim_policy(settings)
        claims = Claims(pool, settings.intrinsic_id_key, policy)
        handoffs = handoff_operations(Handoffs(pool, sessions), HandoffReads(pool))
        interactions = Interactions(pool, users, sessions)
        operations = [
            *session_operations(sessions, interactions),
            *admin,
            *family_operations(pool, settings.intrinsic_id_key),
            *claim_operations(claims),
            *handoffs,
            *interaction_operations(interactions),
            *known_operations(pool),
        ]
        rpc = RpcServer(SERVICE, operations)
        await rpc.start(runtime.nc, runtime.topology)
        await runtime.nc.flush()  # subscribed on the server: callers find a responder now
        runtime.on_stop(rpc.stop)

        storage = open_storage(settings.media_storage_url)
        retention = RetentionJob(
            Purge(
                settings.database_url,
                storage,
                RetentionPolicy.of(settings),
                statement_timeout=settings.store_statement_timeout_seconds,
            ),
            interval_seconds=settings.retention_interval_seconds,
        )
        retention.start()
        runtime.on_stop(retention.stop)

        recorder = Recorder(interactions, Ledgers.of(pool, interactions, storage))
        # Each recording holds a connection: the two recording flows together use at
        # most half the pool, so that the other services' requests (sessions, facts) and
        # the readiness check still find connections.
        width = max(1, settings.store_pool_max // 4)
        await runtime.consume(
            Subscription(
                ConsumerSpec("store", "inbound", concurrency=width), INBOUND_TYPES, recorder
            ),
            Subscription(ConsumerSpec("store", "sent", concurrency=width), SENT_TYPES, recorder),
        )

    async def stop(self) -> None:
        await self.runtime.stop()
