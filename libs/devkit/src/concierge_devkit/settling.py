"""A barrier for "nothing more will happen": wait until the concierge has done all it was given.

Whoever drives the concierge from outside and must know that a message's
effects are over (a test asserting that no second reply comes, a scripted chat
printing every reply a line brought, an evaluation ending a turn) could wait
for some quiet time, but that is both slow and unsound: on a loaded machine a
late reply comes after the quiet. :func:`drained` waits for an event instead:
every durable consumer of the namespace's stream has handled and acknowledged
every message published so far. It reads the server's state, so it works as
well for services in other processes as for an in-process stack.

Why that is a sound barrier
---------------------------
* The caller's own input is on the stream before the barrier starts: the
  gateway answers a webhook only once JetStream stored the message, and the
  staff desk's HTTP calls answer once the handoff service published.
* Each hop publishes its output (and waits for JetStream's ack) *before* it
  acknowledges its input (:mod:`concierge_common.bus.consumer`: the handler
  returns, then ``ack_sync``). The gateway's outbound role calls WAHA inside
  its handler, so a consumer with nothing pending and nothing unacknowledged
  has also finished its sends. A dead letter is copied to the DLQ stream and
  announced on the ``failed`` flow before it is terminated.
* So while any message is still in the works, some consumer shows it as
  pending or unacknowledged; once none does, no handler is running and no
  message can appear any more, except from a timer (below).
* The consumers are read one after the other, not at one instant: a consumer
  read early could be handed a message by one read later. The stream's last
  sequence is read before and after, and a snapshot counts only if it did not
  move. The server's ``num_pending`` can lag a publish by a moment, so a quiet
  snapshot is confirmed exactly: each consumer's ack floor must have reached
  the last stored message of its own subjects.

Timers, which publish without any input
---------------------------------------
* Retry delays (``BUS_RETRY_DELAYS``): a failed delivery is nak'ed with a
  delay and stays unacknowledged until it is redelivered, so the barrier waits
  for the retries (and the dead letter, if it comes to that).
* The router's burst coalescer sleeps inside its handler, the message still
  unacknowledged: the barrier waits for the end of the window.
* The gateway's history recovery (after a ``session.status`` WORKING) runs as a
  background task of the gateway, outside any handler: a caller that triggers
  one must wait for it on its own (the tests' in-process ``settled`` does).
* The handoff sweeper (every ``HANDOFF_SWEEP_SECONDS``) publishes only for a
  handoff older than ``HANDOFF_NO_STAFF_SECONDS`` without a staff answer, or
  idle for ``HANDOFF_IDLE_SECONDS``: 10 and 30 minutes by default. Whoever
  shortens them waits for the timer's own effect, and must not use this
  barrier to prove that the timer did nothing.
* The store's session expiry job writes PostgreSQL only, and heartbeats go to
  a key-value bucket: neither publishes on the stream.

Only durable consumers count: an ephemeral one is a reader of the stream (a
test reading it back), not a service.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import nats
from nats.js import JetStreamContext
from nats.js.api import ConsumerInfo
from nats.js.errors import NotFoundError

from concierge_common.bus.connection import servers
from concierge_common.bus.topology import Topology
from concierge_devkit.errors import DevkitError

Barrier = Callable[[], Awaitable[None]]

_POLL = 0.05


def bus_barrier(nats_url: str, namespace: str, *, timeout: float) -> Barrier:
    """A barrier on the services of ``namespace``: :func:`drained` with these arguments."""

    async def barrier() -> None:
        await drained(nats_url, Topology(namespace, 1), timeout=timeout)

    return barrier


async def drained(nats_url: str, topology: Topology, *, timeout: float) -> None:
    """Wait until each durable consumer of ``topology``'s stream acknowledged all it could get."""
    nc = await nats.connect(servers(nats_url))
    try:
        js = nc.jetstream()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            busy = await _busy(js, topology.stream)
            if not busy:
                return
            if loop.time() > deadline:
                raise DevkitError(f"the bus did not settle within {timeout:g} s: {busy}")
            await asyncio.sleep(_POLL)
    finally:
        await nc.close()


async def _busy(js: JetStreamContext, stream: str) -> list[str]:
    """What still has work (empty: nothing), from a snapshot the stream did not move during."""
    before = (await js.stream_info(stream)).state.last_seq
    consumers = [info for info in await js.consumers_info(stream) if info.config.durable_name]
    busy = [
        f"{info.name}: {info.num_pending} pending, {info.num_ack_pending} unacknowledged"
        for info in consumers
        if info.num_pending or info.num_ack_pending
    ]
    if busy:
        return busy
    for info in consumers:
        last = await _last_sequence(js, stream, info)
        floor = (info.ack_floor.stream_seq if info.ack_floor else 0) or 0
        if last > floor:
            busy.append(f"{info.name}: acknowledged up to {floor}, its last message is {last}")
    if (await js.stream_info(stream)).state.last_seq != before:
        busy.append("messages were published while the consumers were read")
    return busy


async def _last_sequence(js: JetStreamContext, stream: str, info: ConsumerInfo) -> int:
    """The stream sequence of the last message on the consumer's subjects (0: none)."""
    subject = info.config.filter_subject
    if not subject:
        return (await js.stream_info(stream)).state.last_seq
    try:
        last = await js.get_last_msg(stream, subject)
    except NotFoundError:
        return 0
    return int(last.seq or 0)
