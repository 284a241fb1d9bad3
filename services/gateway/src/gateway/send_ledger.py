"""What was sent of each reply, in the ``sent`` key-value bucket (shared by every replica).

Keys and values:

* ``<reply id>`` -> ``sent`` once an API-channel reply was published
  (``sending`` while it is being published); a WhatsApp reply written by an
  earlier version may have it too;
* ``<reply id>.<n>`` -> the state of WhatsApp message number ``n`` (from 1) of
  the reply:

  - ``claimed:<t>:<id>``, written just before the call to WAHA (``t``: when, in
    Unix seconds; ``id``: the pre-generated message id, maybe empty). As long as
    it stands, whether the message went out is unknown: the part is **in doubt**
    (the call timed out, its connection dropped, or the process died during it);
  - ``unsent:<t>:<id>``: WAHA answered the call with an error, or was never
    reached: the call is over and, as far as WAHA said, nothing went out;
  - ``sent:<WAHA's id>``: WAHA accepted the message;
  - ``done:<WAHA's id>``: WAHA accepted the message, and it was the reply's
    last: the whole reply went out (one write where a mark per reply took
    another, and the reply stays complete if a later attempt would split its
    text differently);
  - ``sending:<id>``: a claim written by an earlier version (no time): in doubt.

The bucket is on the bus: when NATS cannot read or write it (reconnecting, a
cluster electing the bucket's leader), the call raises :class:`BusUnavailable`,
an outage, tried again for as long as it lasts, never a reason to dead-letter a
reply.

Reply ids are hex digests (:func:`concierge_common.ids.derived_id`), so the
keys stay within the characters NATS allows (``[-/_=.a-zA-Z0-9]``). What to do
with each state is :mod:`gateway.send_check`'s and :mod:`gateway.whatsapp_send`'s
business.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

import nats.errors
from nats.js.errors import APIError, KeyNotFoundError
from nats.js.kv import KeyValue

from concierge_common.errors import BusUnavailable

SENDING = b"sending"
SENT = b"sent"
_CLAIMED = "claimed:"
_UNSENT = "unsent:"
_SENT_PART = "sent:"
_DONE = "done:"
_LEGACY_CLAIM = "sending:"


class Phase(StrEnum):
    """Where one WhatsApp message of a reply stands."""

    IN_DOUBT = "in_doubt"  # claimed, WAHA's answer never seen
    UNSENT = "unsent"  # WAHA answered an error, or was never reached
    SENT = "sent"  # WAHA accepted it


@dataclass(frozen=True)
class PartState:
    """One WhatsApp message of a reply, as the ledger last recorded it."""

    phase: Phase
    message_id: str  # the pre-generated id (maybe empty), WAHA's id once sent
    claimed_at: float | None = None  # Unix seconds of the last claim, when known
    last: bool = False  # sent, and the last message of its reply

    @property
    def sent(self) -> bool:
        return self.phase is Phase.SENT


class SendLedger:
    """Reads and writes the states of replies and of their parts."""

    def __init__(self, bucket: KeyValue) -> None:
        self._bucket = bucket

    async def reply(self, reply_id: str) -> bytes | None:
        return await self._get(reply_id)

    async def set_reply(self, reply_id: str, state: bytes) -> None:
        with _bus_errors():
            await self._bucket.put(reply_id, state)

    async def part(self, reply_id: str, number: int) -> PartState | None:
        value = await self._get(_part_key(reply_id, number))
        return None if value is None else _decode(value.decode())

    async def parts(self, reply_id: str, count: int) -> list[PartState | None]:
        """The states of parts 1 to ``count``, read in order.

        Parts go out in order, so the reading stops at the first part with no state
        (none after it has one) and after the reply's last part: the rest is None.
        """
        states: list[PartState | None] = []
        for number in range(1, count + 1):
            state = await self.part(reply_id, number)
            states.append(state)
            if state is None or state.last:
                break
        return states + [None] * (count - len(states))

    async def claim(self, reply_id: str, number: int, message_id: str, at: float) -> None:
        """About to call WAHA for this part (with this pre-generated id, maybe empty)."""
        await self._put(reply_id, number, f"{_CLAIMED}{at:.3f}:{message_id}")

    async def mark_unsent(self, reply_id: str, number: int, message_id: str, at: float) -> None:
        """The call claimed at ``at`` ended with WAHA's refusal, or never reached WAHA."""
        await self._put(reply_id, number, f"{_UNSENT}{at:.3f}:{message_id}")

    async def mark_sent(
        self, reply_id: str, number: int, waha_id: str, *, last: bool = False
    ) -> None:
        """WAHA accepted this part (under this id, maybe empty); ``last``: the reply's last."""
        await self._put(reply_id, number, (_DONE if last else _SENT_PART) + waha_id)

    async def _put(self, reply_id: str, number: int, value: str) -> None:
        with _bus_errors():
            await self._bucket.put(_part_key(reply_id, number), value.encode())

    async def _get(self, key: str) -> bytes | None:
        try:
            with _bus_errors():
                entry = await self._bucket.get(key)
        except KeyNotFoundError:
            return None
        return entry.value


@contextmanager
def _bus_errors() -> Iterator[None]:
    """NATS failing to read or write the bucket is an outage (a missing key is not)."""
    try:
        yield
    except KeyNotFoundError:
        raise
    except (nats.errors.Error, APIError, OSError) as exc:
        raise BusUnavailable(
            f"the sent-replies ledger is unavailable: {type(exc).__name__}"
        ) from exc


def _part_key(reply_id: str, number: int) -> str:
    return f"{reply_id}.{number}"


def _decode(text: str) -> PartState:
    if text.startswith(_SENT_PART):
        return PartState(Phase.SENT, text.removeprefix(_SENT_PART))
    if text.startswith(_DONE):
        return PartState(Phase.SENT, text.removeprefix(_DONE), last=True)
    if text.startswith(_LEGACY_CLAIM):
        return PartState(Phase.IN_DOUBT, text.removeprefix(_LEGACY_CLAIM))
    phase = Phase.UNSENT if text.startswith(_UNSENT) else Phase.IN_DOUBT
    at, _, message_id = text.partition(":")[2].partition(":")
    return PartState(phase, message_id, _seconds(at))


def _seconds(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
