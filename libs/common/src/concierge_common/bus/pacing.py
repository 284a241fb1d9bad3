"""Fetch pacing: how much a partition's next fetch asks for, and how long it may wait.

A fetch of more than one message may hold the first one that comes until the
batch is full or the fetch times out (nats-py, after a status left over from an
earlier request, waits for the rest of the batch): at a low rate a lone message
would wait up to the fetch timeout. So an idle partition asks for one message
and waits up to the fetch timeout for it, which returns as soon as one comes.
Once a fetch got all it asked for, more may be waiting: the next fetch asks for
a full batch and waits only briefly, so that what is waiting comes at once and
nothing that comes later waits long. A fetch that gets less than it asked for,
or nothing, makes the partition idle again.

Each delivery tells how many messages were still waiting for the consumer
behind it (JetStream's ``num_pending``). When the last one of a fetch says
none were, the partition stays idle instead of asking for a batch that would
only time out empty: at a steady low rate that halves the fetch requests (each
one a request to the server and its status reply). It is only a hint:
messages handed back for redelivery are not counted in it, and an idle
fetch's long poll takes them as soon as they are due.
"""

from __future__ import annotations

from dataclasses import dataclass

# Most deliveries one fetch asks for.
BATCH = 100
# Seconds a fetch of a full batch waits when nothing is waiting on the server.
BURST_WAIT = 0.05


@dataclass(frozen=True)
class Fetch:
    """One fetch to make: ``batch`` deliveries at most, waiting ``timeout`` seconds at most."""

    batch: int
    timeout: float


@dataclass
class FetchPacing:
    """The fetches of one partition: one message while idle, full batches while flowing."""

    idle_wait: float
    burst_wait: float = BURST_WAIT
    flowing: bool = False

    def next(self, room: int) -> Fetch:
        """The next fetch, for a flow that may take ``room`` more deliveries."""
        if not self.flowing:
            return Fetch(1, self.idle_wait)
        return Fetch(max(1, min(BATCH, room)), min(self.burst_wait, self.idle_wait))

    def fetched(self, fetch: Fetch, got: int, waiting: int | None = None) -> None:
        """What ``fetch`` returned (0 when it timed out).

        ``waiting``: how many messages the server still held for the consumer behind
        the last delivery, when it said (None: unknown).
        """
        self.flowing = got >= fetch.batch and (waiting is None or waiting > 0)
