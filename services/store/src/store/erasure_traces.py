"""What names an erased person outside PostgreSQL: the needles the sweeps look for.

A privacy erasure (:mod:`store.erasure`) removes the rows; copies of what the
person wrote also travel on the bus (the conversation stream, dead letters,
the staff chat's relays), in key-value buckets (linked ids, the send ledger)
and in Redis (rate limits, the router's dedup keys). Before the rows go, the
erasure reads here everything that identifies those copies:

* the person's WhatsApp ids, and the number of each (WAHA's message ids and
  the ``...@s.whatsapp.net`` spelling carry it);
* their conversation ids (``handoffs`` record them; the others are computed
  from ``CONVERSATION_ID_KEY`` and the WAHA sessions they wrote through);
* the correlation ids of what they wrote (everything the concierge derived
  from one of their messages carries it: a relay to staff, an alert, a reply)
  and the bus ids of those messages (``Nats-Msg-Id``, the router's dedup keys);
* their handoffs' references as staff read them (``[H7K2P]``);
* the media storage keys of their files (a relay to staff names the file).

Only the person's *inbound* messages give correlation ids: those are WAHA's
event ids or the message's own id, unique to that message, whereas a reply of
the organisation may share its correlation with a staff action.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import asyncpg

from concierge_common import ids

# A needle shorter than this could match what is not the person's.
MIN_NEEDLE = 6
_INBOUND = """
SELECT provider_message_id, correlation_id FROM interactions
WHERE session_id = ANY($1) AND direction = 'in'
"""
_HANDOFFS = (
    "SELECT conversation_id, wa_session, chat_id, reference FROM handoffs WHERE user_id = $1"
)
_FILES = """
SELECT m.file_path FROM media m WHERE m.id IN (
    SELECT media_id FROM interactions WHERE session_id = ANY($1) AND media_id IS NOT NULL
    UNION
    SELECT media_id FROM artifacts WHERE session_id = ANY($1) AND media_id IS NOT NULL
)
"""


@dataclass(frozen=True)
class Traces:
    """What identifies the erased person's copies outside PostgreSQL."""

    whatsapp_ids: tuple[str, ...] = ()
    conversation_ids: tuple[str, ...] = ()
    correlation_ids: tuple[str, ...] = ()
    message_ids: tuple[str, ...] = ()  # bus ids of what they wrote
    references: tuple[str, ...] = ()
    storage_keys: tuple[str, ...] = ()
    chat_ids: tuple[str, ...] = ()  # chats of their handoffs

    @property
    def numbers(self) -> tuple[str, ...]:
        """The part before ``@`` of each WhatsApp id (a phone number, a linked id)."""
        return _unique(whatsapp_id.split("@", 1)[0] for whatsapp_id in self.chats)

    @property
    def chats(self) -> tuple[str, ...]:
        return _unique((*self.whatsapp_ids, *self.chat_ids))

    def needles(self) -> tuple[bytes, ...]:
        """Byte strings any copy about the person contains at least one of."""
        found = (
            *self.chats,
            *self.numbers,
            *self.conversation_ids,
            *self.correlation_ids,
            *self.message_ids,
            *(f"[{reference}]" for reference in self.references),
            *self.storage_keys,
        )
        return tuple(needle.encode() for needle in _unique(found) if len(needle) >= MIN_NEEDLE)


async def gather(
    conn: asyncpg.Connection,
    uid: object,
    whatsapp_ids: Iterable[str],
    sessions: list[object],
    *,
    conversation_key: str,
) -> Traces:
    """Read the person's traces (in the erasure's transaction, before the deletes)."""
    inbound = await conn.fetch(_INBOUND, sessions)
    handoffs = await conn.fetch(_HANDOFFS, uid)
    files = await conn.fetch(_FILES, sessions)
    chats = list(whatsapp_ids)
    waha_sessions: list[str] = []
    message_ids: list[str] = []
    for row in inbound:
        session, _, provider_id = str(row["provider_message_id"]).partition(":")
        if provider_id:
            waha_sessions.append(session)
            message_ids.append(ids.derived_id("gateway", f"{session}\x1f{provider_id}"))
    waha_sessions += [row["wa_session"] for row in handoffs if row["wa_session"]]
    conversations = [row["conversation_id"] for row in handoffs]
    if conversation_key:
        conversations += [
            ids.conversation_id(conversation_key, session, chat)
            for session in _unique(waha_sessions)
            for chat in chats
        ]
    return Traces(
        whatsapp_ids=_unique(chats),
        conversation_ids=_unique(conversations),
        correlation_ids=_unique(row["correlation_id"] for row in inbound),
        message_ids=_unique(message_ids),
        references=_unique(row["reference"] for row in handoffs),
        storage_keys=_unique(row["file_path"] for row in files),
        chat_ids=_unique(row["chat_id"] for row in handoffs),
    )


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))
