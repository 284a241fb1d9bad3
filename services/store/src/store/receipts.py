"""Receipts and reactions applied to the interactions they concern (issue 6).

WhatsApp's acks move a message's ``delivery_status`` forward only
(``''``/``sent`` < ``pending`` < ``server`` < ``device`` < ``read`` <
``played``): WAHA delivers webhooks out of order, so a late ``server`` never
undoes a ``read``. ``error`` only replaces a status not yet beyond ``pending``.
A reaction sets the person's emoji (``''`` when removed), unless a later one
was already applied.

Replies are keyed by WAHA's id of their first message and list the others
(``part_message_ids``: a long reply goes out in parts); a person's messages by
``{session}:{id}`` (:func:`store.interactions.inbound`): all are tried. Some
engines return the bare id of a sent message, so the id inside a serialized
``{fromMe}_{chat}_{id}`` is tried too.

WhatsApp acknowledges a part as soon as it is sent, but the reply is recorded
once all its parts are out: a receipt of one of the organisation's messages
that matches nothing yet waits in ``pending_receipts`` (hashes of the ids
only) and is applied by :meth:`Receipts.replay` when the reply is recorded.
Waiting receipts older than a day are dropped. Any other receipt for a message
the store never recorded changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from datetime import UTC, datetime

import asyncpg

from concierge_common.contracts.messages import ReceiptSeen
from store.db import translated

log = logging.getLogger(__name__)

# Delivery statuses in the order WhatsApp's receipts move them.
_RANK = {"": 0, "sent": 0, "pending": 1, "server": 2, "device": 3, "read": 4, "played": 5}
_ERROR_FROM = ("", "sent", "pending")
_ACK_STATUS = {-1: "error", 0: "pending", 1: "server", 2: "device", 3: "read", 4: "played"}
MAX_REACTION_CHARS = 32  # the schema's CHECK

# A message is matched by the key of its interaction or as a later part of a reply.
_SET_STATUS = """
UPDATE interactions SET delivery_status = $2
WHERE (provider_message_id = ANY($1::text[]) OR part_message_ids && $1::text[])
  AND delivery_status = ANY($3::text[])
"""
_SET_REACTION = """
UPDATE interactions SET reaction = $2, reacted_at = $3
WHERE (provider_message_id = ANY($1::text[]) OR part_message_ids && $1::text[])
  AND (reacted_at IS NULL OR reacted_at <= $3)
"""
_KNOWN = """
SELECT 1 FROM interactions
WHERE provider_message_id = ANY($1::text[]) OR part_message_ids && $1::text[] LIMIT 1
"""
_WAIT = """
WITH dropped AS (DELETE FROM pending_receipts WHERE created_at < now() - interval '1 day')
INSERT INTO pending_receipts (key_hashes, kind, value, seen_at) VALUES ($1, $2, $3, $4)
"""
_TAKE_WAITING = """
DELETE FROM pending_receipts WHERE key_hashes && $1::text[]
RETURNING kind, value, seen_at
"""


class Receipts:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def apply(self, receipt: ReceiptSeen) -> None:
        """Move the message's delivery status forward, or set the person's reaction."""
        keys = candidate_keys(receipt.session, receipt.target_provider_id)
        value = _value(receipt)
        if receipt.kind not in ("ack", "reaction") or (receipt.kind == "ack" and not value):
            return
        at = datetime.fromtimestamp(receipt.seen_at or receipt.created_at, tz=UTC)
        if await self._set(keys, receipt.kind, value, at):
            return
        if receipt.from_me and not await self._recorded(keys):
            await self._wait(keys, receipt.kind, value, at)
            return
        log.debug("receipt changed nothing", extra={"kind": receipt.kind})

    async def replay(self, provider_message_ids: Iterable[str]) -> int:
        """Apply the receipts that came before this reply was recorded; return how many."""
        keys = [key for key in provider_message_ids if key]
        if not keys:
            return 0
        with translated("receipt.replay"):
            waiting = await self._pool.fetch(_TAKE_WAITING, [key_hash(k) for k in keys])
        for row in sorted(waiting, key=lambda row: row["seen_at"]):
            await self._set(keys, row["kind"], row["value"], row["seen_at"])
        return len(waiting)

    async def _set(self, keys: list[str], kind: str, value: str, at: datetime) -> bool:
        with translated(f"receipt.{kind}"):
            if kind == "ack":
                result = await self._pool.execute(_SET_STATUS, keys, value, statuses_before(value))
            else:
                result = await self._pool.execute(_SET_REACTION, keys, value, at)
        return not str(result).endswith(" 0")

    async def _recorded(self, keys: list[str]) -> bool:
        with translated("receipt.known"):
            return await self._pool.fetchval(_KNOWN, keys) is not None

    async def _wait(self, keys: list[str], kind: str, value: str, at: datetime) -> None:
        with translated("receipt.wait"):
            await self._pool.execute(_WAIT, [key_hash(k) for k in keys], kind, value, at)
        log.debug("receipt of a reply not recorded yet kept", extra={"kind": kind})


def _value(receipt: ReceiptSeen) -> str:
    """The delivery status an ack sets, or the emoji a reaction sets."""
    if receipt.kind == "ack":
        return ack_status(receipt)
    return receipt.reaction[:MAX_REACTION_CHARS]


def key_hash(key: str) -> str:
    """How a waiting receipt names a message (WAHA's ids contain phone numbers)."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def ack_status(receipt: ReceiptSeen) -> str:
    """The delivery status an ack reports ("" when none: WAHA's ``UNKNOWN``...)."""
    name = receipt.ack_name.lower()
    if name in _RANK or name == "error":
        return name
    return _ACK_STATUS.get(receipt.ack, "") if not receipt.ack_name else ""


def statuses_before(status: str) -> list[str]:
    """The statuses ``status`` may replace."""
    if status == "error":
        return list(_ERROR_FROM)
    return [name for name, rank in _RANK.items() if rank < _RANK[status]]


def candidate_keys(session: str, target: str) -> list[str]:
    """The ``provider_message_id`` values the target message may be stored under."""
    keys = [target, f"{session}:{target}"]
    parts = target.split("_")
    if len(parts) >= 3 and parts[0] in ("true", "false"):
        keys.append(parts[2])  # a reply stored under an engine's bare id
    return keys
