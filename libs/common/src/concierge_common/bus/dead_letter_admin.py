"""The dead-letter stream, for an operator: list, inspect, replay and discard.

A dead letter (:class:`concierge_common.bus.settle.DeadLetters`) is a copy of a
delivery a service gave up on, published on ``dlq.v1.<service>.<flow>`` with
the original body, unchanged, and headers saying where it came from: the
original subject, the original stream sequence, the consumer, the attempts, the
error's type and text. Its stream sequence in the dead-letter stream names it
here.

**Replay** republishes the body to its original subject, and removes the dead
letter only once JetStream acknowledged the publish (a replay that fails
leaves it where it was). It is meant for the service that failed it: the
``Concierge-Replay-For`` header names that service (from the letter's subject),
and every other service's consumer of the flow (for ``inbound``: the router when
the store failed, and the other way round) acknowledges the replay without
handling it (:mod:`concierge_common.bus.consumer`). The subject stays the
original one, so the replay keeps its place in its conversation's partition and
needs no subject, consumer filter or permission of its own (one filter per
consumer: JetStream 2.9 has no consumer with several). Two things make a replay
idempotent end to end, which still matters for the failed service itself and
for a consumer of a version that does not read the header:

* the ``Nats-Msg-Id`` of the replay is derived from the dead letter
  (``replay:<stream>:<original sequence>:<consumer>``): replaying the same dead
  letter twice within the duplicate window (an operator's retry after a
  timeout, two operators at once, a replay whose removal failed) is stored
  once, and JetStream answers the second publish as a duplicate. It is not the
  original message's id: that one is still in the duplicate window for an hour
  after the original publish, and JetStream would drop the replay of a
  message dead-lettered at once;
* the body is the original one, with the original ``message_id``, which every
  consumer's own ledger is keyed by (the store's interactions by the provider's
  message id, the router's handled messages in Redis, the gateway's send ledger
  of replies, the handoff service's opening message...), and whatever a
  consumer publishes in turn derives its id from it: a consumer that already
  handled the message (the failed service's own partial work) does not act on
  it a second time. The shortest of
  those memories that matters is the send ledger's, seven days
  (:data:`REPLAY_HORIZON`): an older letter is replayed only when asked
  explicitly.

Listing shows what an operator needs to decide (sequence, time, service, flow,
original subject, attempts, error), never a body; :meth:`DeadLetterAdmin.get`
gives the whole letter, body included, for ``show``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import nats.errors
from nats.aio.client import Client as NATS
from nats.js.api import RawStreamMsg
from nats.js.errors import APIError, NotFoundError

from concierge_common.bus.topology import FLOWS, REPLAY_FOR_HEADER, Topology
from concierge_common.errors import BusUnavailable, Conflict, InvalidRequest, NotFound

log = logging.getLogger(__name__)

_TIMEOUT = 5.0
# How long the gateway's send ledger remembers a reply (the ``sent_replies`` bucket's
# TTL, concierge_common.bus.topology): the longest any consumer's ledger is sure to
# hold. An older letter is replayed only when the operator says so (``older=True``):
# a consumer that handled the message then may have forgotten it, and act again.
REPLAY_HORIZON = timedelta(days=7)


@dataclass(frozen=True)
class DeadLetter:
    """One message of the dead-letter stream, read back."""

    sequence: int
    time: datetime | None
    service: str
    flow: str
    subject: str  # the original subject
    attempts: int
    error_type: str
    error: str
    consumer: str
    original_sequence: int
    letter_id: str  # the dead letter's own Nats-Msg-Id
    headers: dict[str, str]
    data: bytes

    @property
    def replay_id(self) -> str:
        """The ``Nats-Msg-Id`` of this letter's replay: the same for every replay of it."""
        if self.letter_id.startswith("dlq:"):
            return "replay:" + self.letter_id.removeprefix("dlq:")
        return f"replay:dlq:{self.sequence}"

    @property
    def correlation_id(self) -> str:
        """The body's ``correlation_id`` (for the replay's header), or ""."""
        try:
            body = json.loads(self.data)
        except ValueError:
            return ""
        value = body.get("correlation_id", "") if isinstance(body, dict) else ""
        return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class Replayed:
    """A replay's outcome: ``duplicate`` when JetStream already had this replay."""

    sequence: int
    subject: str
    duplicate: bool


class DeadLetterAdmin:
    """Reads and settles the dead letters of one bus (its topology's namespace)."""

    def __init__(self, nc: NATS, topology: Topology) -> None:
        self._js = nc.jetstream(timeout=_TIMEOUT)
        self._topology = topology

    def _filter(self, service: str | None, flow: str | None) -> str:
        if flow is not None and flow not in FLOWS:
            raise InvalidRequest(f"unknown flow {flow!r} (one of {', '.join(FLOWS)})")
        return self._topology.dlq_subject(service or "*", flow or "*")

    async def list(
        self, *, service: str | None = None, flow: str | None = None, limit: int | None = None
    ) -> list[DeadLetter]:
        """The dead letters, oldest first, of ``service`` and ``flow`` when given."""
        subject = self._filter(service, flow)
        letters: list[DeadLetter] = []
        sequence = 1
        while limit is None or len(letters) < limit:
            try:
                raw = await self._js.get_msg(
                    self._topology.dlq_stream, seq=sequence, subject=subject, next=True
                )
            except NotFoundError:
                break  # no more
            except (nats.errors.Error, APIError, OSError) as exc:
                raise BusUnavailable(f"dead letters not read: {type(exc).__name__}") from exc
            letters.append(self._letter(raw))
            sequence = (raw.seq or sequence) + 1
        return letters

    async def get(self, sequence: int) -> DeadLetter:
        """The dead letter of that sequence; :class:`NotFound` when there is none."""
        try:
            raw = await self._js.get_msg(self._topology.dlq_stream, seq=sequence)
        except NotFoundError as exc:
            raise NotFound(f"no dead letter {sequence}") from exc
        except (nats.errors.Error, APIError, OSError) as exc:
            raise BusUnavailable(f"dead letter not read: {type(exc).__name__}") from exc
        return self._letter(raw)

    async def replay(self, sequence: int, *, older: bool = False) -> Replayed:
        """Republish the letter to its original subject; remove it once that is acknowledged.

        A letter older than :data:`REPLAY_HORIZON` raises :class:`Conflict` unless ``older``.
        """
        letter = await self.get(sequence)
        self._check_origin(letter)
        if not older and letter.time and datetime.now(UTC) - letter.time > REPLAY_HORIZON:
            raise Conflict(
                f"dead letter {sequence} is older than {REPLAY_HORIZON.days} days: consumers "
                "may have forgotten it and act twice; replay it with --older if you must"
            )
        headers = {"Nats-Msg-Id": letter.replay_id, "Concierge-Replay-Of": str(sequence)}
        if letter.service:  # only that service's consumer handles it (see the module)
            headers[REPLAY_FOR_HEADER] = letter.service
        if letter.correlation_id:
            headers["Correlation-Id"] = letter.correlation_id
        try:
            ack = await self._js.publish(
                letter.subject, letter.data, headers=headers, timeout=_TIMEOUT
            )
        except (nats.errors.Error, APIError, OSError) as exc:
            raise BusUnavailable(f"replay not stored: {type(exc).__name__}") from exc
        await self._remove(sequence)
        log.info(
            "dead letter replayed",
            extra={
                "sequence": sequence,
                "service": letter.service,
                "flow": letter.flow,
                "duplicate": bool(ack.duplicate),
            },
        )
        return Replayed(sequence, letter.subject, bool(ack.duplicate))

    async def discard(self, sequence: int) -> bool:
        """Delete the letter; False when there was none."""
        removed = await self._remove(sequence)
        if removed:
            log.info("dead letter discarded", extra={"sequence": sequence})
        return removed

    async def _remove(self, sequence: int) -> bool:
        try:
            return bool(await self._js.delete_msg(self._topology.dlq_stream, sequence))
        except NotFoundError:
            return False  # removed meanwhile (another operator's replay, its age)
        except APIError as exc:
            if exc.code == 404 or exc.err_code in (10037, 10057):  # no such message
                return False
            raise BusUnavailable(f"dead letter not removed: {exc.description}") from exc
        except (nats.errors.Error, OSError) as exc:
            raise BusUnavailable(f"dead letter not removed: {type(exc).__name__}") from exc

    def _check_origin(self, letter: DeadLetter) -> None:
        """Replay only to a conversation subject of this bus, of the letter's own flow."""
        prefix = f"{self._topology.subject_prefix}chat.v1.{letter.flow}."
        if not letter.subject.startswith(prefix):
            raise InvalidRequest(
                f"dead letter {letter.sequence} has no original subject of its flow: not replayed"
            )

    def _letter(self, raw: RawStreamMsg) -> DeadLetter:
        headers = {str(k): str(v) for k, v in (raw.headers or {}).items()}
        tokens = (raw.subject or "").split(".")
        service, flow = (tokens[-2], tokens[-1]) if len(tokens) >= 2 else ("", "")
        return DeadLetter(
            sequence=int(raw.seq or 0),
            time=raw.time,
            service=service,
            flow=flow,
            subject=headers.get("Concierge-Original-Subject", ""),
            attempts=_integer(headers.get("Concierge-Attempts")),
            error_type=headers.get("Concierge-Error-Type", ""),
            error=headers.get("Concierge-Error", ""),
            consumer=headers.get("Concierge-Consumer", ""),
            original_sequence=_integer(headers.get("Concierge-Stream-Sequence")),
            letter_id=headers.get("Nats-Msg-Id", ""),
            headers=headers,
            data=raw.data or b"",
        )


def _integer(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
