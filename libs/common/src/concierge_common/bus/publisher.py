"""Publishing to JetStream with a deterministic ``Nats-Msg-Id`` and an awaited ack."""

from __future__ import annotations

import logging
import time

import nats.errors
from nats.aio.client import Client as NATS
from nats.js.api import PubAck
from nats.js.errors import APIError

from concierge_common import tracing
from concierge_common.bus import metrics
from concierge_common.bus.topology import Topology
from concierge_common.contracts.messages import BusMessage, encode
from concierge_common.errors import BusUnavailable
from concierge_common.metrics import child

log = logging.getLogger(__name__)


class Publisher:
    """Publishes bus messages on their flow's subject and waits for JetStream to store them.

    The ``Nats-Msg-Id`` is the message's own ``message_id``, which producers
    derive from their input (:func:`concierge_common.ids.derived_id`): a
    redelivered input republishes the same id and JetStream drops the copy.
    """

    def __init__(self, nc: NATS, topology: Topology, *, timeout: float = 5.0) -> None:
        self._nc = nc
        self._js = nc.jetstream()
        self._topology = topology
        self._timeout = timeout

    @property
    def topology(self) -> Topology:
        return self._topology

    @property
    def connected(self) -> bool:
        return bool(self._nc.is_connected)

    async def publish(self, flow: str, message: BusMessage) -> PubAck:
        """Store ``message`` in ``flow``; raise :class:`BusUnavailable` if NATS cannot."""
        if not self._nc.is_connected:
            child(metrics.PUBLISHED, flow, "failed").inc()
            raise BusUnavailable("not connected to NATS")
        subject = self._topology.subject(flow, message.conversation_id)
        headers = {"Nats-Msg-Id": message.message_id, "Correlation-Id": message.correlation_id}
        started = time.perf_counter()
        try:
            with tracing.publishing(flow, message, headers):  # adds the trace context when on
                ack = await self._js.publish(
                    subject, encode(message), timeout=self._timeout, headers=headers
                )
        except (nats.errors.Error, APIError, OSError) as exc:
            child(metrics.PUBLISHED, flow, "failed").inc()
            reason = type(exc).__name__
            raise BusUnavailable(f"JetStream did not store the message: {reason}") from exc
        child(metrics.PUBLISH_SECONDS, flow).observe(time.perf_counter() - started)
        child(metrics.PUBLISHED, flow, "duplicate" if ack.duplicate else "stored").inc()
        return ack
