from __future__ import annotations

import pytest
from nats.js.api import StreamConfig
from nats.js.errors import APIError, NotFoundError, ServiceUnavailableError

from concierge_common import ids
from concierge_common.bus.settle import RetryPolicy
from concierge_common.bus.topology import ConsumerSpec, Topology, _ensure_stream


def test_conversation_id_is_stable_hex_and_hides_the_phone_number() -> None:
    first = ids.conversation_id("key", "default", "33612345678@c.us")
    assert first == ids.conversation_id("key", "default", "33612345678@c.us")
    assert len(first) == 32
    assert int(first, 16) >= 0
    assert "33612345678" not in first


def test_conversation_id_depends_on_key_session_and_chat() -> None:
    base = ids.conversation_id("key", "default", "1@c.us")
    assert base != ids.conversation_id("other", "default", "1@c.us")
    assert base != ids.conversation_id("key", "second", "1@c.us")
    assert base != ids.conversation_id("key", "default", "2@c.us")


def test_partition_is_deterministic_and_spreads_conversations() -> None:
    conversations = [ids.conversation_id("k", "s", f"{n}@c.us") for n in range(400)]
    parts = [ids.partition(conversation, 16) for conversation in conversations]
    assert parts == [ids.partition(conversation, 16) for conversation in conversations]
    assert set(parts) == set(range(16))


def test_partition_rejects_zero_partitions() -> None:
    with pytest.raises(ValueError, match="partitions"):
        ids.partition("abc", 0)


def test_derived_id_is_deterministic_per_stage() -> None:
    assert ids.derived_id("router", "x") == ids.derived_id("router", "x")
    assert ids.derived_id("router", "x") != ids.derived_id("ai", "x")


def test_subject_carries_flow_partition_and_conversation_never_a_phone() -> None:
    topology = Topology(namespace="", partitions=8)
    conversation = ids.conversation_id("k", "default", "33612345678@c.us")
    subject = topology.subject("inbound", conversation)
    assert subject == f"chat.v1.inbound.{ids.partition(conversation, 8)}.{conversation}"
    assert "3361234" not in subject


def test_namespace_prefixes_subjects_streams_and_buckets() -> None:
    topology = Topology(namespace="t1", partitions=4)
    assert topology.stream == "T1_CHAT"
    assert topology.dlq_subject("router", "inbound") == "t1.dlq.v1.router.inbound"
    assert topology.partition_filter("ai", 3) == "t1.chat.v1.ai.3.*"
    assert topology.sent_bucket == "T1_sent_replies"
    assert Topology.consumer_name(ConsumerSpec("router", "inbound"), 3) == "router-inbound-003"


def test_unknown_flow_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown flow"):
        Topology("", 2).subject("elsewhere", "ab" * 16)


def test_retry_delays_grow_then_stay_at_the_last_value() -> None:
    policy = RetryPolicy(max_deliver=6, delays=(1.0, 3.0, 10.0))
    assert [policy.delay(attempt) for attempt in range(1, 6)] == [1.0, 3.0, 10.0, 10.0, 10.0]


class _CreatingJetStream:
    """A JetStream API where the stream is missing and creating it fails with ``error``."""

    def __init__(self, error: Exception) -> None:
        self._error = error
        self.created = 0

    async def stream_info(self, name: str) -> None:
        raise NotFoundError(code=404, err_code=10059, description="stream not found")

    async def add_stream(self, config: StreamConfig) -> None:
        self.created += 1
        raise self._error


async def test_a_stream_created_meanwhile_by_another_replica_is_a_race_won_by_it() -> None:
    js = _CreatingJetStream(APIError(code=400, err_code=10058, description="name in use"))
    await _ensure_stream(js, StreamConfig(name="T_CHAT"))  # type: ignore[arg-type]
    assert js.created == 1


async def test_a_cluster_without_a_leader_for_the_new_stream_is_no_race() -> None:
    js = _CreatingJetStream(ServiceUnavailableError(code=503, description="no leader"))
    with pytest.raises(ServiceUnavailableError):  # asked again by bus.patience
        await _ensure_stream(js, StreamConfig(name="T_CHAT"))  # type: ignore[arg-type]
