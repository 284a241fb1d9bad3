"""The one place that decides what happens to a delivery after its handler ran.

* handler returned           -> ack (sent, not awaited one by one: a partition
                                 handed over first confirms all its acks)
* :class:`Outage`            -> try again after a delay, for as long as it lasts
* RetryableError, or any
  unexpected exception        -> try again after a growing delay, until the
                                 attempts are spent
* PermanentError, or the
  attempts are spent          -> copy to the dead-letter stream, then term

Retries happen inside the conversation that owns the delivery
(:mod:`concierge_common.bus.mailboxes`): the delivery stays held (kept alive on
the server) while it waits, so the conversation's later messages wait behind it
and keep their order, while other conversations go on. A delivery that must be
given up while waiting (its partition moves to another replica, the service
stops) is handed back to the server (nak) and comes back first to the next
owner.

If the dead-letter copy cannot be stored, the bus is down: that is an outage
like any other, and dead-lettering is tried again. A message is never dropped
because the bus hiccuped.
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

from concierge_common import ids
from concierge_common.bus import metrics
from concierge_common.bus.topology import RESCUED_FLOWS, Topology
from concierge_common.contracts.messages import ProcessingFailed, encode
from concierge_common.errors import BusUnavailable, Outage, PermanentError
from concierge_common.metrics import child

log = logging.getLogger(__name__)

NAK = b"-NAK"  # JetStream's negative ack: the delivery is due again at once

_MAX_ERROR_TEXT = 500


class Outcome(StrEnum):
    ACKED = "acked"
    RETRIED = "retried"
    DEAD_LETTERED = "dead_lettered"
    GIVEN_BACK = "given_back"
    UNSETTLED = "unsettled"


@dataclass(frozen=True)
class RetryPolicy:
    """How many deliveries a message gets, and how long to wait between them."""

    max_deliver: int
    delays: tuple[float, ...]

    def delay(self, attempt: int) -> float:
        """Delay before trying again after failed attempt number ``attempt`` (from 1)."""
        if not self.delays:
            return 1.0
        return self.delays[min(max(attempt, 1), len(self.delays)) - 1]


@dataclass(frozen=True)
class Decision:
    """What to do with a delivery whose handler just ran."""

    outcome: Outcome
    delay: float = 0.0
    reason: str = ""


ACK = Decision(Outcome.ACKED)


def decide(error: BaseException | None, attempt: int, policy: RetryPolicy) -> Decision:
    """Ack, retry after a delay, or dead-letter, from the handler's error and the attempt."""
    if error is None:
        return ACK
    if isinstance(error, PermanentError):
        return Decision(Outcome.DEAD_LETTERED, reason="permanent")
    if isinstance(error, Outage):
        return Decision(Outcome.RETRIED, delay=policy.delay(attempt))
    if attempt < policy.max_deliver:
        return Decision(Outcome.RETRIED, delay=policy.delay(attempt))
    return Decision(Outcome.DEAD_LETTERED, reason="exhausted")


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

    async def put(self, msg: Msg, flow: str, error: BaseException, attempts: int) -> None:
        meta = msg.metadata
        headers = {
            "Nats-Msg-Id": f"dlq:{meta.stream}:{meta.sequence.stream}:{meta.consumer}",
            "Concierge-Original-Subject": msg.subject,
            "Concierge-Stream-Sequence": str(meta.sequence.stream),
            "Concierge-Consumer": meta.consumer or "",
            "Concierge-Deliveries": str(meta.num_delivered),
            "Concierge-Attempts": str(attempts),
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


class Settler:
    """Acks, hands back or dead-letters the deliveries of one service's flow."""

    def __init__(self, nc: NATS, dead_letters: DeadLetters, service: str, flow: str) -> None:
        self._nc = nc
        self._dead_letters = dead_letters
        self._service = service
        self._flow = flow

    def count(self, outcome: Outcome) -> None:
        child(metrics.HANDLED, self._service, self._flow, outcome.value).inc()

    async def ack(self, msg: Msg) -> Outcome:
        """Ack without waiting for the server's answer; UNSETTLED when it could not be sent.

        Waiting for each ack's confirmation cost a round trip per delivery (a reply
        the server sends, an inbox the client reads) and decided nothing: an ack
        that never arrives only means the server redelivers after ``ack_wait``, to
        handlers that are idempotent, as after a crash. Where it matters (a partition
        handed to another replica must leave nothing pending), :meth:`confirm`
        makes sure every ack sent so far has reached the server.
        """
        try:
            await msg.ack()
        except (nats.errors.Error, APIError, OSError) as exc:
            # The server redelivers after ack_wait; handlers are idempotent.
            log.warning("could not ack a delivery: %s", type(exc).__name__)
            return self._counted(Outcome.UNSETTLED)
        return self._counted(Outcome.ACKED)

    async def confirm(self) -> bool:
        """True once the server has processed every ack sent before (a ping's pong
        follows them on the connection); False when that cannot be known."""
        try:
            await self._nc.flush(timeout=5)
        except (nats.errors.Error, OSError) as exc:
            log.warning("could not confirm the acks sent: %s", type(exc).__name__)
            return False
        return True

    async def give_back(self, msg: Msg) -> Outcome:
        """Return the delivery to the server for the next owner, at once, and wait for the
        server's confirmation; UNSETTLED when it did not come.

        Confirmed, so that a partition handed over cleanly has nothing in flight: the
        next owner's first fetch may reach the server right after, and must find the
        delivery due again, not still held by this replica.
        """
        try:
            await self._nc.request(msg.reply, NAK, timeout=5.0)
        except (nats.errors.Error, APIError, OSError) as exc:
            log.warning("could not hand a delivery back: %s", type(exc).__name__)
            return self._counted(Outcome.UNSETTLED)
        return self._counted(Outcome.GIVEN_BACK)

    async def dead_letter(
        self, msg: Msg, error: BaseException, reason: str, attempts: int
    ) -> Outcome:
        """Store a copy with the reason, then term; raise BusUnavailable if the copy failed.

        ``attempts`` counts the handler's runs, retries included (the server's
        delivery count only grows when a delivery comes back after a crash).
        """
        await self._dead_letters.put(msg, self._flow, error, attempts)
        try:
            await msg.term()
        except (nats.errors.Error, APIError, OSError) as exc:
            raise BusUnavailable("the dead-lettered delivery could not be terminated") from exc
        child(metrics.DEAD_LETTERS, self._service, self._flow, reason).inc()
        log.error(
            "delivery dead-lettered",
            extra={
                "error_type": type(error).__name__,
                "attempt": attempts,
                "reason": reason,
            },
        )
        return self._counted(Outcome.DEAD_LETTERED)

    def _counted(self, outcome: Outcome) -> Outcome:
        self.count(outcome)
        return outcome
