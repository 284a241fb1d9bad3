"""Idempotent writes to ``message_log``: a redelivered event is stored once."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from concierge_common.errors import DownstreamUnavailable, PermanentError
from concierge_common.messages import MessageReceived, ReplySent

_INSERT = """
INSERT INTO message_log (direction, dedup_key, conversation_id, session, chat_id, kind, body,
                         provider_message_id, correlation_id, occurred_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (dedup_key) DO NOTHING
"""


_TRANSIENT = (
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.OperatorInterventionError,
)


class MessageLog:
    """The store's access to ``message_log``."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def record_inbound(self, message: MessageReceived) -> bool:
        """Store an inbound message; False when it was already stored."""
        return await self._insert(
            "in",
            f"in:{message.session}:{message.provider_message_id}",
            message.conversation_id,
            message.session,
            message.chat_id,
            message.kind,
            message.text,
            message.provider_message_id,
            message.correlation_id,
            _timestamp(message.sent_at or message.created_at),
        )

    async def record_outbound(self, event: ReplySent) -> bool:
        """Store a sent reply; False when it was already stored."""
        return await self._insert(
            "out",
            f"out:{event.reply_id}",
            event.conversation_id,
            event.session,
            event.chat_id,
            "text",
            event.text,
            event.provider_message_id or None,
            event.correlation_id,
            _timestamp(event.sent_at),
        )

    async def _insert(self, *values: object) -> bool:
        try:
            status = await self._pool.execute(_INSERT, *values)
        except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError) as exc:
            raise DownstreamUnavailable(f"postgres: {type(exc).__name__}") from exc
        except asyncpg.PostgresError as exc:
            if isinstance(
                exc,
                asyncpg.exceptions.InsufficientResourcesError
                | asyncpg.exceptions.OperatorInterventionError,
            ):
                raise DownstreamUnavailable(f"postgres: {type(exc).__name__}") from exc
            raise PermanentError(f"postgres refused the row: {type(exc).__name__}") from exc
        return bool(status.endswith(" 1"))


def _timestamp(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)
