"""The one place that decides what happens to a delivery after its handler ran.

* handler returned         -> ack (and wait for the server to confirm it)
* RetryableError, or any
  unexpected exception      -> nak with a growing delay, until the attempts are spent
* PermanentError, or the
  attempts are spent        -> copy to the dead-letter stream, then term

If the dead-letter copy cannot be stored, the delivery is nak'ed instead of
terminated: a message is never dropped because the bus hiccuped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

import msgspec
import nats.errors
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.errors import APIError

from concierge_common import ids, metrics
from concierge_common.bus.topology import RESCUED_FLOWS, Topology
from concierge_common.errors import BusUnavailable, PermanentError
from concierge_common.messages import ProcessingFailed, encode

log = logging.getLogger(__name__)

_MAX_ERROR_TEXT = 500


class Outcome(StrEnum):
    ACKED = "acked"
    RETRIED = "retried"
    DEAD_LETTERED = "dead_lettered"
    UNSETTLED = "unsettled"


@dataclass(frozen=True)
class RetryPolicy:
    """How many deliveries a message gets, and how long to wait between them."""

    max_deliver: int
    delays: tuple[float, ...]

    def delay(self, attempt: int) -> float:
        """Delay before redelivering after failed delivery number ``attempt`` (from 1)."""
        if not self.delays:
            return 1.0
        return self.delays[min(attempt, len(self.delays)) - 1]


class DeadLetters:
    """Stores failed deliveries, with the reason, on the dead-letter stream.

    A failed message of a conversation flow that a person waits on
    (:data:`RESCUED_FLOWS`) is also announced as :class:`ProcessingFailed` on
    that conversation's ``failed`` flow, so that a human takes over instead of
    the person waiting forever.
    """

    def __init__(self, nc: NATS, topology: Topology, service: str) -> None:
        self._js = nc.jetstream()
        self._topology = topology
        self._service = service

    async def put(self, msg: Msg, flow: str, error: BaseException) -> None:
        meta = msg.metadata
        headers = {
            "Nats-Msg-Id": f"dlq:{meta.stream}:{meta.sequence.stream}:{meta.consumer}",
            "Concierge-Original-Subject": msg.subject,
            "Concierge-Stream-Sequence": str(meta.sequence.stream),
            "Concierge-Consumer": meta.consumer or "",
            "Concierge-Deliveries": str(meta.num_delivered),
            "Concierge-Error-Type": type(error).__name__,
            "Concierge-Error": str(error)[:_MAX_ERROR_TEXT],
        }
        subject = self._topology.dlq_subject(self._service, flow)
        try:
            await self._js.publish(subject, msg.data, headers=headers, timeout=5.0)
            await self._announce(msg, flow, error)
        except (nats.errors.Error, APIError, OSError) as exc:
            raise BusUnavailable("dead-letter stream did not store the message") from exc

    async def _announce(self, msg: Msg, flow: str, error: BaseException) -> None:
        conversation = msg.subject.rsplit(".", 1)[-1]
        if flow not in RESCUED_FLOWS or not _is_json(msg.data):
            return
        sequence = msg.metadata.sequence.stream
        failed = ProcessingFailed(
            message_id=ids.derived_id("failed", f"{self._topology.stream}:{sequence}"),
            conversation_id=conversation,
            correlation_id=(msg.headers or {}).get("Correlation-Id", ""),
            service=self._service,
            flow=flow,
            error_type=type(error).__name__,
            original=msgspec.Raw(msg.data),
        )
        await self._js.publish(
            self._topology.subject("failed", conversation),
            encode(failed),
            headers={"Nats-Msg-Id": failed.message_id},
            timeout=5.0,
        )


def _is_json(data: bytes) -> bool:
    try:
        msgspec.json.decode(data)
    except msgspec.DecodeError:
        return False
    return True


async def settle(
    msg: Msg,
    flow: str,
    error: BaseException | None,
    *,
    policy: RetryPolicy,
    dead_letters: DeadLetters,
    service: str,
) -> Outcome:
    """Ack, nak with delay, or dead-letter and term ``msg`` according to ``error``."""
    try:
        outcome = await _settle(msg, flow, error, policy, dead_letters, service)
    except (nats.errors.Error, APIError, OSError, BusUnavailable) as exc:
        # The connection is gone: the server will redeliver after ack_wait.
        log.warning("could not settle a delivery: %s", type(exc).__name__)
        outcome = Outcome.UNSETTLED
    metrics.HANDLED.labels(service, flow, outcome.value).inc()
    return outcome


async def _settle(
    msg: Msg,
    flow: str,
    error: BaseException | None,
    policy: RetryPolicy,
    dead_letters: DeadLetters,
    service: str,
) -> Outcome:
    if error is None:
        await msg.ack_sync(timeout=5.0)
        return Outcome.ACKED
    attempt = msg.metadata.num_delivered
    permanent = isinstance(error, PermanentError)
    if not permanent and attempt < policy.max_deliver:
        delay = policy.delay(attempt)
        log.warning(
            "handler failed, retrying",
            extra={"error_type": type(error).__name__, "attempt": attempt, "delay_s": delay},
        )
        await msg.nak(delay=delay)
        return Outcome.RETRIED
    try:
        await dead_letters.put(msg, flow, error)
    except BusUnavailable:
        await msg.nak(delay=policy.delay(attempt))
        return Outcome.RETRIED
    await msg.term()
    reason = "permanent" if permanent else "exhausted"
    metrics.DEAD_LETTERS.labels(service, flow, reason).inc()
    log.error(
        "delivery dead-lettered",
        extra={"error_type": type(error).__name__, "attempt": attempt, "reason": reason},
    )
    return Outcome.DEAD_LETTERED
