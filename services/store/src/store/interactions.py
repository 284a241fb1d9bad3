"""Interactions: every message in or out, stored once, in the session of its person.

The bus delivers at least once, so the same message may be handled several
times: the provider message id is the idempotency key (``UNIQUE`` in the
schema). A redelivered message is recognised before anything else happens, so
it neither duplicates the row nor touches the person's session.

Resolving the person, opening (or continuing) their session and inserting the
row happen in one transaction: a failure leaves nothing half-written, and the
bus retries the whole message. A message written before its person was erased
is refused (:class:`~concierge_common.errors.Erased`, :mod:`store.tombstones`),
and the person's replies never bring an erased person back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import asyncpg

from concierge_common.contracts.messages import (
    MessageReceived,
    OperatorMessageSeen,
    ReplySent,
    written_time,
)
from concierge_common.contracts.store_api import (
    InteractionFile,
    InteractionQuery,
    InteractionView,
)
from concierge_common.errors import InvalidRequest
from store.db import translated
from store.sessions import Opened, Sessions, continuing
from store.tombstones import UNKNOWN, Written
from store.users import Person, Users
from store.users import is_person as is_person  # the recorder asks it here

_MESSAGE_TYPES = frozenset({"text", "image", "audio", "video", "document", "location", "contact"})

_ALREADY_STORED = "SELECT 1 FROM interactions WHERE provider_message_id = $1"
_INSERT = """
INSERT INTO interactions (session_id, direction, message_type, content, provider_message_id,
                          correlation_id, origin, occurred_at, delivery_status, part_message_ids)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (provider_message_id) DO NOTHING
"""

# The common case: the person's live session continued and the row stored in one statement
# (columns as in _INSERT; ``inserted`` False when it was stored meanwhile).
_CONTINUE_AND_INSERT = continuing("""
, stored AS (
    INSERT INTO interactions (session_id, direction, message_type, content, provider_message_id,
                              correlation_id, origin, occurred_at, delivery_status,
                              part_message_ids)
    SELECT touched.id, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text,
           $9::timestamptz, $10::text, $11::text[]
    FROM touched
    ON CONFLICT (provider_message_id) DO NOTHING
    RETURNING 1
)
SELECT touched.*, EXISTS (SELECT 1 FROM stored) AS inserted FROM touched
""")

MAX_HISTORY = 200
# The last texts of a session (a voice note or an image without caption has none;
# with $3, those with a file count too), with their file if any, read newest first to
# take the last ones, returned oldest first. Messages sent in the same second keep the
# order they were stored in.
_RECENT = """
SELECT * FROM (
    SELECT i.direction, i.content AS text, i.origin, i.occurred_at AS created_at,
           i.created_at AS stored_at, i.message_type, m.id AS file_id, m.filename,
           m.file_path, m.mime_type, m.size
    FROM interactions i LEFT JOIN media m ON m.id = i.media_id
    WHERE i.session_id = $1 AND (i.content <> '' OR ($3 AND m.id IS NOT NULL))
    ORDER BY i.occurred_at DESC, i.created_at DESC LIMIT $2
) recent ORDER BY created_at, stored_at
"""
_FILE_KINDS = ("image", "audio", "video")


@dataclass(frozen=True)
class Interaction:
    """One message to store, whoever it came from or went to."""

    whatsapp_id: str  # the person's id: who wrote, or whose chat a reply went to
    push_name: str
    direction: Literal["in", "out"]
    message_type: str
    content: str
    provider_message_id: str  # the idempotency key
    correlation_id: str
    origin: str
    occurred_at: datetime
    # The person's other ids (the phone id behind an "@lid"): linked to the same user.
    aliases: tuple[str, ...] = ()
    # When it was written (or what a reply answers was): checked against erasures.
    written: Written = UNKNOWN
    # A reply WAHA accepted is stored ``sent``, with WAHA's ids of its other parts.
    delivery_status: str = ""
    part_message_ids: tuple[str, ...] = ()


def inbound(message: MessageReceived) -> Interaction:
    """What a person wrote, keyed by WAHA session and WhatsApp message id."""
    seconds = message.sent_at or message.created_at
    return Interaction(
        whatsapp_id=message.sender_id or message.chat_id,
        push_name=message.push_name,
        direction="in",
        message_type=message.kind if message.kind in _MESSAGE_TYPES else "text",
        content=message.text,
        provider_message_id=f"{message.session}:{message.provider_message_id}",
        correlation_id=message.correlation_id,
        origin="",
        occurred_at=datetime.fromtimestamp(seconds, tz=UTC),
        aliases=tuple(message.aliases),
        written=Written.of_seconds(written_time(message)),
    )


def reply_written(in_reply_to_at: float, created_at: float) -> Written:
    """When what a reply answers was written, else when the reply was made; a reply
    never starts a person (:mod:`store.tombstones`)."""
    return Written.of_seconds(in_reply_to_at or created_at, starts_person=False)


def outbound(event: ReplySent) -> Interaction:
    """A reply WAHA accepted; keyed by its WhatsApp id, else by our reply id."""
    key = event.provider_message_id or f"reply:{event.reply_id}"
    return Interaction(
        whatsapp_id=event.chat_id,
        push_name="",
        direction="out",
        message_type="text",
        content=event.text,
        provider_message_id=key,
        correlation_id=event.correlation_id,
        origin=event.origin,
        occurred_at=datetime.fromtimestamp(event.sent_at, tz=UTC),
        written=reply_written(event.in_reply_to_at, event.created_at),
        delivery_status="sent",
        part_message_ids=other_parts(event, key),
    )


def other_parts(event: ReplySent, key: str) -> tuple[str, ...]:
    """WAHA's ids of a reply's messages but the one it is stored under (``key``)."""
    return tuple(part for part in event.provider_message_ids if part != key)


def operator(message: OperatorMessageSeen) -> Interaction:
    """What a human wrote to the person from the organisation's phone (not through us).

    Keyed by its WhatsApp id like a reply we sent (both are messages of our
    number), so one message is never stored twice under the two kinds.
    """
    seconds = message.sent_at or message.created_at
    return Interaction(
        whatsapp_id=message.chat_id,
        push_name="",
        direction="out",
        message_type="text",
        content=message.text,
        provider_message_id=message.provider_message_id or f"operator:{message.message_id}",
        correlation_id=message.correlation_id,
        origin="operator",
        occurred_at=datetime.fromtimestamp(seconds, tz=UTC),
        aliases=tuple(message.aliases),
        written=Written.of_seconds(written_time(message)),
    )


class Interactions:
    """Stores interactions in the open session of their person."""

    def __init__(self, pool: asyncpg.Pool, users: Users, sessions: Sessions) -> None:
        self._pool = pool
        self._users = users
        self._sessions = sessions

    async def record(self, item: Interaction) -> bool:
        """Store ``item``; False when it was stored before (a redelivery).

        :class:`~concierge_common.errors.Erased` when its person was erased since
        ``item.written`` (nothing is written then).
        """
        with translated(f"interaction.record ({item.direction})"):
            async with self._pool.acquire() as conn, conn.transaction():
                if await conn.fetchval(_ALREADY_STORED, item.provider_message_id):
                    return False
                person = await self._users.resolve_person(
                    conn,
                    item.whatsapp_id,
                    item.push_name,
                    aliases=item.aliases,
                    written=item.written,
                )
                opened, stored = await self._store_in(conn, person, item)
        self._sessions.remember(opened)
        return stored

    async def _store_in(
        self, conn: asyncpg.Connection, person: Person, item: Interaction
    ) -> tuple[Opened, bool]:
        """Insert ``item`` into the person's open session (continued, or opened; the first
        one of a person just created); True when this inserted it."""
        columns = (
            item.direction,
            item.message_type,
            item.content,
            item.provider_message_id,
            item.correlation_id,
            item.origin,
            item.occurred_at,
            item.delivery_status,
            list(item.part_message_ids),
        )
        if person.created:
            opened = await self._sessions.first_in(conn, person.id)
        else:
            continued = await self._sessions.continue_in(
                conn, person.id, _CONTINUE_AND_INSERT, *columns
            )
            if continued is not None:
                opened, row = continued
                return opened, bool(row["inserted"])
            opened = await self._sessions.open_in(conn, person.id)
        status = await conn.execute(_INSERT, opened.view.id, *columns)
        return opened, bool(status.endswith(" 1"))

    async def recent(self, query: InteractionQuery) -> list[InteractionView]:
        """The last ``query.limit`` texts of a session, oldest first (none for an unknown one)."""
        if not 1 <= query.limit <= MAX_HISTORY:
            raise InvalidRequest(
                f"interaction.list: limit must be between 1 and {MAX_HISTORY}", status=422
            )
        with translated("interaction.list"):
            rows = await self._pool.fetch(_RECENT, query.session_id, query.limit, query.files)
        return [
            InteractionView(
                direction=row["direction"],
                text=row["text"],
                origin=row["origin"],
                created_at=row["created_at"],
                file=file_of(row),
            )
            for row in rows
        ]


def file_of(row: Mapping[str, Any]) -> InteractionFile | None:
    """The file of a listed message (its media row), None when it has none."""
    if row["file_id"] is None:
        return None
    return InteractionFile(
        id=str(row["file_id"]),
        kind=file_kind(row["message_type"], row["mime_type"]),
        filename=row["filename"],
        mime_type=row["mime_type"],
        size=row["size"],
        storage_key=row["file_path"],
    )


def file_kind(message_type: str, mime_type: str) -> str:
    """What a file is: the received message's type, else its mime type's family (a reply's
    attachment is stored as a text message)."""
    if message_type in (*_FILE_KINDS, "document"):
        return message_type
    family = mime_type.partition("/")[0]
    return family if family in _FILE_KINDS else "document"
