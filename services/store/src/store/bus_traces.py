"""An erased person's copies on the bus: conversation stream, dead letters, buckets.

JetStream keeps what was published for its retention (the conversation stream
for ``BUS_STREAM_MAX_AGE_HOURS``, dead letters thirty days, linked ids thirty
days, the send ledger seven), handled or not. A privacy erasure removes:

* every message of the person's conversations from the conversation stream,
  at once (a purge with the conversation's subject filter);
* then every message left in that stream, the dead-letter stream and the
  ``wa_lids`` and ``sent_replies`` buckets whose subject, headers or body
  contains one of the person's needles (:mod:`store.erasure_traces`): a relay
  or an alert to the staff chat (another conversation), a dead letter (its
  subject names a service, its headers the original subject and its body the
  message), a linked id and the phone id behind it, a reply's WhatsApp ids.

A bucket's streams refuse to delete single messages: a matching entry is
removed with a purge of its key's subject by the stream, not with the bucket's
own purge, which leaves a marker whose subject still names the key (the
linked id). Messages are read through
an ephemeral consumer that acknowledges nothing (it moves no durable consumer
and goes away with the connection). A message of the person still waiting for
its consumer is removed too: the erasure wins, and what is being handled right
now is refused by the tombstones (:mod:`store.tombstones`).

A bus that fails mid-way is logged and counted as what was removed so far: the
erasure of the rows stands, and erasing again is not possible (the person is
gone), so the operator's report shows what is left to expire on its own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import Error as JsError
from nats.js.errors import NotFoundError

from concierge_common.bus.topology import Topology
from store.erasure_traces import Traces

log = logging.getLogger(__name__)

_BATCH = 256
_FETCH_SECONDS = 2.0
_REQUEST_SECONDS = 10.0

Connection = Callable[[], NATS]


@dataclass(frozen=True)
class _Swept:
    """One stream or bucket the sweep reads: its report name, stream and subjects."""

    name: str
    stream: str
    subjects: str
    by_subject: bool = False  # a bucket: matching keys are purged, not single messages


@dataclass(frozen=True)
class BusSwept:
    streams: dict[str, int]
    buckets: dict[str, int]


class BusTraces:
    """Removes an erased person's messages and entries from the bus."""

    def __init__(self, connection: Connection, topology: Topology) -> None:
        self._connection = connection
        self._topology = topology

    def _streams(self) -> tuple[_Swept, ...]:
        topo = self._topology
        return (
            _Swept("chat", topo.stream, f"{topo.subject_prefix}chat.v1.>"),
            _Swept("dlq", topo.dlq_stream, topo.dlq_filter()),
        )

    def _buckets(self) -> tuple[_Swept, ...]:
        topo = self._topology
        return tuple(
            _Swept(name, f"KV_{bucket}", f"$KV.{bucket}.>", by_subject=True)
            for name, bucket in (("wa_lids", topo.lid_bucket), ("sent_replies", topo.sent_bucket))
        )

    async def sweep(self, traces: Traces) -> BusSwept:
        """Remove the person's copies; what was removed, per stream and per bucket."""
        needles = traces.needles()
        streams = {swept.name: 0 for swept in self._streams()}
        buckets = {swept.name: 0 for swept in self._buckets()}
        chat = self._topology.stream
        conversations = [
            f"{self._topology.subject_prefix}chat.v1.*.*.{conversation}"
            for conversation in traces.conversation_ids
        ]
        streams["chat"] = await self._guarded(self._purge(chat, conversations))
        for swept in self._streams():
            streams[swept.name] += await self._guarded(self._delete_matching(swept, needles))
        for swept in self._buckets():
            buckets[swept.name] = await self._guarded(self._delete_matching(swept, needles))
        log.info("bus traces of an erased person removed", extra={**streams, **buckets})
        return BusSwept(streams, buckets)

    async def _guarded(self, work: Awaitable[int]) -> int:
        try:
            return await work
        except (NatsError, JsError, OSError) as exc:
            log.error("bus traces of an erased person not all removed: %s", type(exc).__name__)
            return 0

    async def _purge(self, stream: str, subjects: Iterable[str]) -> int:
        """Purge the messages of ``subjects`` (filters) from ``stream``; how many went."""
        nc = self._connection()
        api = f"$JS.API.STREAM.PURGE.{stream}"
        purged = 0
        for subject in subjects:
            reply = await nc.request(
                api, json.dumps({"filter": subject}).encode(), timeout=_REQUEST_SECONDS
            )
            answer = json.loads(reply.data)
            if "error" in answer:
                log.error("subject not purged: %s", answer["error"].get("description", ""))
                continue
            purged += int(answer.get("purged", 0))
        return purged

    async def _delete_matching(self, swept: _Swept, needles: tuple[bytes, ...]) -> int:
        """Delete the messages of ``swept`` that contain a needle; how many."""
        if not needles:
            return 0
        js = self._connection().jetstream()
        try:
            info = await js.stream_info(swept.stream)
        except NotFoundError:
            return 0
        if not info.state.messages:
            return 0
        matching = await self._matching(swept, needles, last=info.state.last_seq)
        if swept.by_subject:
            return await self._purge(
                swept.stream, dict.fromkeys(subject for _, subject in matching)
            )
        deleted = 0
        for sequence, _ in matching:
            try:
                if await js.delete_msg(swept.stream, sequence):
                    deleted += 1
            except NotFoundError:
                continue  # gone meanwhile (its age, another erasure)
        return deleted

    async def _matching(
        self, swept: _Swept, needles: tuple[bytes, ...], *, last: int
    ) -> list[tuple[int, str]]:
        """The sequences and subjects, up to ``last``, of the messages that contain a needle."""
        js = self._connection().jetstream()
        config = ConsumerConfig(
            ack_policy=AckPolicy.NONE,
            deliver_policy=DeliverPolicy.ALL,
            inactive_threshold=60.0,
            mem_storage=True,
        )
        reader = await js.pull_subscribe(swept.subjects, stream=swept.stream, config=config)
        found: list[tuple[int, str]] = []
        try:
            while True:
                try:
                    batch = await reader.fetch(_BATCH, timeout=_FETCH_SECONDS)
                except NatsTimeout:
                    break  # nothing more to read
                found += [
                    (msg.metadata.sequence.stream, msg.subject)
                    for msg in batch
                    if _contains(msg, needles)
                ]
                tail = batch[-1].metadata
                if tail.sequence.stream >= last or not tail.num_pending:
                    break
        finally:
            await _forget(js, swept.stream, reader)
        return [(sequence, subject) for sequence, subject in found if sequence <= last]


def _contains(msg: Msg, needles: tuple[bytes, ...]) -> bool:
    """Whether the message's subject, headers or body contains one of ``needles``."""
    headers = "\x1f".join(f"{k}:{v}" for k, v in (msg.headers or {}).items())
    haystack = b"\x1f".join((msg.subject.encode(), headers.encode(), msg.data or b""))
    return any(needle in haystack for needle in needles)


async def _forget(
    js: JetStreamContext, stream: str, reader: JetStreamContext.PullSubscription
) -> None:
    """Drop the reading consumer (it would expire on its own after a minute)."""
    try:
        info = await reader.consumer_info()
        await reader.unsubscribe()
        await js.delete_consumer(stream, info.name)
    except (NatsError, JsError, OSError):
        log.debug("reading consumer left to expire")
