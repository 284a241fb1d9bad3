"""What became of the replies: accepted by WAHA, or refused for good.

A reply WAHA accepted is recorded by the recorder (an outbound interaction
keyed by WAHA's id of its first message) as ``sent`` with the ids of its other
parts; a redelivered one is marked so here again, unless WhatsApp's receipts
already moved it further (``server``, ``read``...): a status never moves
backwards. Receipts that came before the reply was recorded are applied then
(:meth:`Receipts.replay`).
A reply WAHA refused (463, another 4xx) is recorded as an outbound
interaction of the person's session, keyed
``failed:<reply id>``, with ``delivery_status = 'failed'`` and the reason.
Replies to chats no person owns (the staff group) are not recorded.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import asyncpg

from concierge_common.contracts.messages import ReplyFailed, ReplySent
from store import interactions
from store.db import translated
from store.interactions import Interaction, Interactions
from store.receipts import Receipts

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 200

_MARK_SENT = """
UPDATE interactions
SET delivery_status = CASE WHEN delivery_status = '' THEN 'sent' ELSE delivery_status END,
    part_message_ids = $2
WHERE provider_message_id = $1
"""
_MARK_FAILED = """
UPDATE interactions SET delivery_status = 'failed', delivery_error = $2
WHERE provider_message_id = $1
"""


class Deliveries:
    def __init__(self, pool: asyncpg.Pool, interactions: Interactions, receipts: Receipts) -> None:
        self._pool = pool
        self._interactions = interactions
        self._receipts = receipts

    async def sent(self, event: ReplySent, provider_message_id: str, *, marked: bool) -> None:
        """Mark the recorded reply ``sent`` with its parts, then apply its early receipts.

        ``marked``: the recording that just stored the reply stored it so already
        (:func:`store.interactions.outbound`); a redelivery marks it again here.
        """
        parts = list(interactions.other_parts(event, provider_message_id))
        if not marked:
            with translated("delivery.sent"):
                await self._pool.execute(_MARK_SENT, provider_message_id, parts)
        await self._receipts.replay([provider_message_id, *parts])

    async def failed(self, event: ReplyFailed) -> None:
        """Record a reply WAHA refused, with its reason."""
        if not interactions.is_person(event.chat_id):
            log.info(
                "refused reply to a non-person chat not recorded", extra={"reason": event.reason}
            )
            return
        item = _undelivered(event)
        await self._interactions.record(item)
        with translated("delivery.failed"):
            await self._pool.execute(
                _MARK_FAILED,
                item.provider_message_id,
                (event.reason or "rejected")[:MAX_ERROR_CHARS],
            )
        log.info("refused reply recorded", extra={"reason": event.reason, "status": event.status})


def _undelivered(event: ReplyFailed) -> Interaction:
    return Interaction(
        whatsapp_id=event.chat_id,
        push_name="",
        direction="out",
        message_type="document" if event.attachment is not None else "text",
        content=event.text,
        provider_message_id=f"failed:{event.reply_id}",
        correlation_id=event.correlation_id,
        origin=event.origin,
        occurred_at=datetime.fromtimestamp(event.created_at, tz=UTC),
        written=interactions.reply_written(event.in_reply_to_at, event.created_at),
    )
