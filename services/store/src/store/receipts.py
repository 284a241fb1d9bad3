"""Receipts and reactions applied to the interactions they concern (issue 6).

WhatsApp's acks move a message's ``delivery_status`` forward only
(``''``/``sent`` < ``pending`` < ``server`` < ``device`` < ``read`` <
``played``): WAHA delivers webhooks out of order, so a late ``server`` never
undoes a ``read``. ``error`` only replaces a status not yet beyond ``pending``.
A reaction sets the person's emoji (``''`` when removed), unless a later one
was already applied.

Replies are keyed by WAHA's id of the sent message; a person's messages by
``{session}:{id}`` (:func:`store.interactions.inbound`): both are tried. Some
engines return the bare id of a sent message, so the id inside a serialized
``{fromMe}_{chat}_{id}`` is tried too. A receipt for a message the store never
recorded changes nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import asyncpg

from concierge_common.messages import ReceiptSeen
from store.db import translated

log = logging.getLogger(__name__)

# Delivery statuses in the order WhatsApp's receipts move them.
_RANK = {"": 0, "sent": 0, "pending": 1, "server": 2, "device": 3, "read": 4, "played": 5}
_ERROR_FROM = ("", "sent", "pending")
_ACK_STATUS = {-1: "error", 0: "pending", 1: "server", 2: "device", 3: "read", 4: "played"}
MAX_REACTION_CHARS = 32  # the schema's CHECK

_SET_STATUS = """
UPDATE interactions SET delivery_status = $2
WHERE provider_message_id = ANY($1::text[]) AND delivery_status = ANY($3::text[])
"""
_SET_REACTION = """
UPDATE interactions SET reaction = $2, reacted_at = $3
WHERE provider_message_id = ANY($1::text[]) AND (reacted_at IS NULL OR reacted_at <= $3)
"""


class Receipts:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def apply(self, receipt: ReceiptSeen) -> None:
        """Move the message's delivery status forward, or set the person's reaction."""
        keys = candidate_keys(receipt.session, receipt.target_provider_id)
        if receipt.kind == "ack":
            changed = await self._ack(keys, receipt)
        elif receipt.kind == "reaction":
            changed = await self._reaction(keys, receipt)
        else:
            changed = False
        if not changed:
            log.debug("receipt changed nothing", extra={"kind": receipt.kind})

    async def _ack(self, keys: list[str], receipt: ReceiptSeen) -> bool:
        status = ack_status(receipt)
        if not status:
            return False
        with translated("receipt.ack"):
            result = await self._pool.execute(_SET_STATUS, keys, status, statuses_before(status))
        return not str(result).endswith(" 0")

    async def _reaction(self, keys: list[str], receipt: ReceiptSeen) -> bool:
        at = datetime.fromtimestamp(receipt.seen_at or receipt.created_at, tz=UTC)
        emoji = receipt.reaction[:MAX_REACTION_CHARS]
        with translated("receipt.reaction"):
            result = await self._pool.execute(_SET_REACTION, keys, emoji, at)
        return not str(result).endswith(" 0")


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
