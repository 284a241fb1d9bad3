"""Every stream, subject, consumer and bucket of the concierge, declared in one place.

Subjects carry the partition explicitly: ``chat.v1.<flow>.<partition>.<conversation>``.
The publisher computes the partition from the conversation id
(:func:`concierge_common.ids.partition`), so all stages agree without a server
side transform and every JetStream version (2.9 included) works. Each
(service, flow, partition) has one durable pull consumer. Exactly one replica
of a service fetches a partition at a time: the one holding its lease in the
leases bucket (:mod:`concierge_common.bus.ownership`); inside it, each
conversation is an actor (:mod:`concierge_common.bus.consumer`), so many
deliveries of a partition are in flight at once (``max_ack_pending`` is
``BUS_PREFETCH``) while each conversation's are handled in order. Adding
replicas spreads the partitions over them, with no configuration.

The partition count is recorded in a bucket the first time the topology is
declared; a process configured with another count refuses to start, because it
would publish to partitions nobody consumes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    KeyValueConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import (
    APIError,
    BucketNotFoundError,
    KeyWrongLastSequenceError,
    NotFoundError,
    ServiceUnavailableError,
)

from concierge_common.errors import ConfigError
from concierge_common.ids import partition
from concierge_common.settings import BusSettings

log = logging.getLogger(__name__)

# The health bucket keeps a heartbeat this many periods (concierge_common.bus.heartbeat):
# one lost heartbeat is not an outage.
PERIODS_KEPT = 3
FLOWS = ("inbound", "ai", "handoff", "outbound", "sent", "failed")
# Dead letters of these flows leave a person without an answer: they are announced on
# the conversation's ``failed`` flow (ProcessingFailed) for the handoff service
# (``outbound``: a reply WhatsApp refused for good, see gateway.outbound).
RESCUED_FLOWS = frozenset({"inbound", "ai", "handoff", "outbound"})
# A dead letter's replay names the service that failed it in this header: the other
# services' consumers of its flow acknowledge it without handling it
# (concierge_common.bus.dead_letter_admin, .consumer).
REPLAY_FOR_HEADER = "Concierge-Replay-For"
_STREAM_NOT_FOUND = 10059


@dataclass(frozen=True)
class ConsumerSpec:
    """One service's subscription to one flow."""

    service: str
    flow: str
    ack_wait_seconds: float | None = None
    # Handlers of this flow running at once in one replica; None: BUS_CONCURRENCY.
    concurrency: int | None = None


# A resolved linked id is asked again of WAHA after this long (mappings rarely change).
LID_TTL = 30 * 24 * 3600


@dataclass(frozen=True)
class Topology:
    """Names derived from a namespace (empty in production, unique per test run)."""

    namespace: str
    partitions: int

    @classmethod
    def from_settings(cls, settings: BusSettings) -> Topology:
        return cls(namespace=settings.bus_namespace, partitions=settings.bus_partitions)

    @property
    def subject_prefix(self) -> str:
        return f"{self.namespace}." if self.namespace else ""

    @property
    def name_prefix(self) -> str:
        return f"{self.namespace.upper()}_" if self.namespace else ""

    @property
    def stream(self) -> str:
        return f"{self.name_prefix}CHAT"

    @property
    def dlq_stream(self) -> str:
        return f"{self.name_prefix}DLQ"

    @property
    def sent_bucket(self) -> str:
        return f"{self.name_prefix}sent_replies"

    @property
    def waha_bucket(self) -> str:
        """WAHA sessions as the gateway last saw them (status, when recovery last ran)."""
        return f"{self.name_prefix}waha_sessions"

    @property
    def lid_bucket(self) -> str:
        """Linked ids (``...@lid``) resolved to phone ids, shared by every gateway replica."""
        return f"{self.name_prefix}wa_lids"

    @property
    def lease_bucket(self) -> str:
        """Partition leases: which replica of each service owns which partition."""
        return f"{self.name_prefix}bus_leases"

    def presence_subject(self, service: str) -> str:
        """Core NATS subject where the replicas of ``service`` announce themselves."""
        return f"{self.subject_prefix}bus.v1.presence.{service}"

    @property
    def meta_bucket(self) -> str:
        return f"{self.name_prefix}bus_meta"

    def subject(self, flow: str, conversation: str) -> str:
        """The subject a message of ``conversation`` is published on in ``flow``."""
        if flow not in FLOWS:
            raise ValueError(f"unknown flow {flow!r}")
        part = partition(conversation, self.partitions)
        return f"{self.subject_prefix}chat.v1.{flow}.{part}.{conversation}"

    def partition_filter(self, flow: str, part: int) -> str:
        return f"{self.subject_prefix}chat.v1.{flow}.{part}.*"

    def dlq_subject(self, service: str, flow: str) -> str:
        return f"{self.subject_prefix}dlq.v1.{service}.{flow}"

    def rpc_subject(self, service: str, operation: str) -> str:
        """Core NATS request/reply subject of one operation a service answers."""
        return f"{self.subject_prefix}rpc.v1.{service}.{operation}"

    @property
    def health_bucket(self) -> str:
        """Key-value bucket where every replica reports its readiness (with a TTL)."""
        return f"{self.name_prefix}service_health"

    def dlq_filter(self) -> str:
        return f"{self.subject_prefix}dlq.v1.>"

    @staticmethod
    def consumer_name(spec: ConsumerSpec, part: int) -> str:
        return f"{spec.service}-{spec.flow}-{part:03d}"


async def declare_streams(js: JetStreamContext, topo: Topology, settings: BusSettings) -> None:
    """Create or update the streams and buckets; safe to run from every replica at once.

    Each is stored on ``BUS_STREAM_REPLICAS`` servers of a JetStream cluster (1 on a
    single server, 3 on a three-node cluster: one node may die without losing
    anything); existing streams and buckets are scaled to that count.
    """
    replicas = settings.bus_stream_replicas
    await _ensure_stream(
        js,
        StreamConfig(
            name=topo.stream,
            subjects=[f"{topo.subject_prefix}chat.v1.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=settings.bus_stream_max_age_hours * 3600,
            duplicate_window=settings.bus_duplicate_window_seconds,
            num_replicas=replicas,
        ),
    )
    await _ensure_stream(
        js,
        StreamConfig(
            name=topo.dlq_stream,
            subjects=[topo.dlq_filter()],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=30 * 24 * 3600,
            num_replicas=replicas,
        ),
    )
    await _ensure_bucket(
        js, KeyValueConfig(bucket=topo.sent_bucket, history=1, replicas=replicas, ttl=7 * 24 * 3600)
    )
    await _ensure_bucket(js, KeyValueConfig(bucket=topo.meta_bucket, history=1, replicas=replicas))
    # A lease not renewed within its time runs out by itself (the holder died).
    await _ensure_bucket(
        js,
        KeyValueConfig(
            bucket=topo.lease_bucket, history=1, replicas=replicas, ttl=settings.bus_lease_seconds
        ),
    )
    await _ensure_bucket(js, KeyValueConfig(bucket=topo.waha_bucket, history=1, replicas=replicas))
    await _ensure_bucket(
        js, KeyValueConfig(bucket=topo.lid_bucket, history=1, replicas=replicas, ttl=LID_TTL)
    )
    # A replica that dies silently leaves the bucket after a few missed heartbeats.
    heartbeat_ttl = PERIODS_KEPT * settings.bus_heartbeat_seconds
    await _ensure_bucket(
        js,
        KeyValueConfig(bucket=topo.health_bucket, history=1, replicas=replicas, ttl=heartbeat_ttl),
    )
    await _check_partitions(js, topo)


async def declare_consumers(
    js: JetStreamContext, topo: Topology, settings: BusSettings, specs: tuple[ConsumerSpec, ...]
) -> None:
    """Create the durable pull consumers of ``specs`` (one per partition) if missing."""
    for spec in specs:
        for part in range(topo.partitions):
            await declare_consumer(js, topo, settings, spec, part)


async def _ensure_stream(js: JetStreamContext, config: StreamConfig) -> None:
    assert config.name is not None
    try:
        await js.stream_info(config.name)
    except NotFoundError:
        try:
            await js.add_stream(config)
            log.info("stream created", extra={"stream": config.name})
        except APIError as exc:
            _lost_race(exc, "stream")
        return
    await js.update_stream(config)


async def _ensure_bucket(js: JetStreamContext, config: KeyValueConfig) -> None:
    try:
        await js.key_value(config.bucket)
    except BucketNotFoundError:
        try:
            await js.create_key_value(config)
        except APIError as exc:
            _lost_race(exc, "bucket")
        return
    await _scale_bucket(js, config)


def _lost_race(exc: APIError, what: str) -> None:
    """A create refused because another replica created it first; a 503 (the cluster
    has no leader for it yet) is no race and goes up (:mod:`concierge_common.bus.patience`)."""
    if isinstance(exc, ServiceUnavailableError):
        raise exc
    log.debug("%s create raced: %s", what, exc.description)


async def _scale_bucket(js: JetStreamContext, config: KeyValueConfig) -> None:
    """Give an existing bucket the wanted number of copies (a bucket is a stream ``KV_<name>``)."""
    info = await js.stream_info(f"KV_{config.bucket}")
    current = info.config
    if (current.num_replicas or 1) == config.replicas:
        return
    current.num_replicas = config.replicas
    await js.update_stream(current)
    log.info("bucket copies changed", extra={"bucket": config.bucket, "replicas": config.replicas})


async def _check_partitions(js: JetStreamContext, topo: Topology) -> None:
    meta = await js.key_value(topo.meta_bucket)
    wanted = str(topo.partitions).encode()
    try:
        await meta.create("partitions", wanted)
        return
    except KeyWrongLastSequenceError:
        pass
    entry = await meta.get("partitions")
    if entry.value != wanted:
        declared = (entry.value or b"?").decode()
        raise ConfigError(
            f"BUS_PARTITIONS={topo.partitions} but the bus was declared with {declared} "
            f"partitions; use the same value everywhere"
        )


def _same_limits(current: ConsumerConfig, wanted: ConsumerConfig) -> bool:
    return current.max_ack_pending == wanted.max_ack_pending and current.ack_wait == wanted.ack_wait


async def declare_consumer(
    js: JetStreamContext, topo: Topology, settings: BusSettings, spec: ConsumerSpec, part: int
) -> None:
    """Create one partition's durable pull consumer if missing (ConfigError: no stream)."""
    name = topo.consumer_name(spec, part)
    config = ConsumerConfig(
        durable_name=name,
        filter_subject=topo.partition_filter(spec.flow, part),
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        max_ack_pending=settings.bus_prefetch,
        ack_wait=spec.ack_wait_seconds or settings.bus_ack_wait_seconds,
        max_deliver=-1,
    )
    try:
        info = await js.consumer_info(topo.stream, name)
    except NotFoundError:
        info = None
    if info is not None:
        if info.config.filter_subject != config.filter_subject:
            raise ConfigError(f"consumer {name} exists with another filter; delete it to redeclare")
        if _same_limits(info.config, config):
            return
        log.info("consumer limits updated", extra={"consumer": name})
    try:
        await js.add_consumer(topo.stream, config)
    except APIError as exc:
        if exc.err_code == _STREAM_NOT_FOUND:
            raise ConfigError(f"stream {topo.stream} missing; declare streams first") from exc
        _lost_race(exc, "consumer")
