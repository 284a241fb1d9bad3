"""What was sent of each reply, in the ``sent`` key-value bucket (shared by every replica).

Keys and values:

* ``<reply id>`` -> ``sent`` once the whole reply went out (``sending`` while an
  API-channel reply is being published);
* ``<reply id>.<n>`` -> the state of WhatsApp message number ``n`` (from 1) of
  the reply: ``sending:<pre-generated id>`` (the claim, written just before
  the call to WAHA; the id may be empty) then ``sent:<WAHA's id>``.

Reply ids are hex digests (:func:`concierge_common.ids.derived_id`), so the
keys stay within the characters NATS allows (``[-/_=.a-zA-Z0-9]``).
"""

from __future__ import annotations

from dataclasses import dataclass

from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

SENDING = b"sending"
SENT = b"sent"
_SENDING_PART = "sending:"
_SENT_PART = "sent:"


@dataclass(frozen=True)
class PartState:
    """One WhatsApp message of a reply: claimed (``sent`` False) or sent."""

    sent: bool
    message_id: str  # the pre-generated id when claimed, WAHA's id once sent


class SendLedger:
    """Reads and writes the states of replies and of their parts."""

    def __init__(self, bucket: KeyValue) -> None:
        self._bucket = bucket

    async def reply(self, reply_id: str) -> bytes | None:
        return await self._get(reply_id)

    async def set_reply(self, reply_id: str, state: bytes) -> None:
        await self._bucket.put(reply_id, state)

    async def part(self, reply_id: str, number: int) -> PartState | None:
        value = await self._get(_part_key(reply_id, number))
        if value is None:
            return None
        text = value.decode()
        if text.startswith(_SENT_PART):
            return PartState(sent=True, message_id=text.removeprefix(_SENT_PART))
        return PartState(sent=False, message_id=text.removeprefix(_SENDING_PART))

    async def claim(self, reply_id: str, number: int, message_id: str) -> None:
        """About to call WAHA for this part (with this pre-generated id, maybe empty)."""
        await self._bucket.put(_part_key(reply_id, number), (_SENDING_PART + message_id).encode())

    async def mark(self, reply_id: str, number: int, waha_id: str) -> None:
        """WAHA accepted this part (under this id, maybe empty)."""
        await self._bucket.put(_part_key(reply_id, number), (_SENT_PART + waha_id).encode())

    async def _get(self, key: str) -> bytes | None:
        try:
            entry = await self._bucket.get(key)
        except KeyNotFoundError:
            return None
        return entry.value


def _part_key(reply_id: str, number: int) -> str:
    return f"{reply_id}.{number}"
