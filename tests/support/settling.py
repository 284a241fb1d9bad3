"""A barrier for "nothing more will happen": wait until the concierge has done all it was given.

A test that asserts something did *not* happen (no second reply, no reply from
the bot while a human owns the conversation, no retry after a dead letter)
must first know that the thing could no longer happen. Sleeping a while is
both slow and unsound: on a loaded machine the wrong reply may come after the
sleep. :func:`settled` waits for an event instead: every durable consumer of
the test's stream has handled and acknowledged every message published so far.

Why that is a sound barrier
---------------------------
* The test's own input is on the stream before the barrier starts: the
  gateway answers a webhook (``stack.post``) only once JetStream stored the
  message, and the staff desk's HTTP calls answer once the handoff service
  published.
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
  background task of the gateway: :func:`settled` first waits for the
  recovery tasks of this process to end (the stack runs in process).
* The handoff sweeper (every ``HANDOFF_SWEEP_SECONDS``) publishes only for a
  handoff older than ``HANDOFF_NO_STAFF_SECONDS`` without a staff answer, or
  idle for ``HANDOFF_IDLE_SECONDS``: 10 and 30 minutes by default, longer
  than any test. A test that shortens them waits for the timer's own effect,
  and must not use this barrier to prove that the timer did nothing.
* The store's session expiry job writes PostgreSQL only, and heartbeats go to
  a key-value bucket: neither publishes on the stream.

Only durable consumers count: an ephemeral one is a test reading the stream
back (:mod:`support.bus_reading`), not a service.
"""

from __future__ import annotations

import asyncio

import nats
from nats.js import JetStreamContext
from nats.js.api import ConsumerInfo
from nats.js.errors import NotFoundError

from concierge_common.bus.topology import Topology
from support.polling import HANG_GUARD
from support.stack import Stack

_POLL = 0.05
# The gateway names each history recovery task "recovery-<session>" (gateway.recovery).
_RECOVERY_TASK = "recovery-"


async def settled(stack: Stack, *, timeout: float = HANG_GUARD) -> None:
    """Wait until every service of ``stack`` has handled everything published so far."""
    await recoveries_over(timeout=timeout)
    await drained(stack.env["NATS_URL"], stack.topology, timeout=timeout)


async def recoveries_over(*, timeout: float = HANG_GUARD) -> None:
    """Wait for the history recoveries running in this process (a gateway's background tasks)."""
    current = asyncio.current_task()
    running = [
        task
        for task in asyncio.all_tasks()
        if task is not current and task.get_name().startswith(_RECOVERY_TASK)
    ]
    if running:
        _, pending = await asyncio.wait(running, timeout=timeout)
        if pending:
            raise AssertionError(f"history recoveries still running: {len(pending)}")


async def drained(nats_url: str, topology: Topology, *, timeout: float = HANG_GUARD) -> None:
    """Wait until each durable consumer of ``topology``'s stream acknowledged all it could get."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            busy = await _busy(js, topology.stream)
            if not busy:
                return
            if loop.time() > deadline:
                raise AssertionError(f"the bus did not settle: {busy}")
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
