"""The erased person's words in someone else's session: relays recorded in a staff chat.

While a human owns a conversation, the handoff service relays the person's
messages (and files) to the staff chat (``STAFF_CHAT_ID``), and alerts staff
with what they asked. When that chat is a person's chat (a staff member's own
phone rather than a group), the store records those texts as replies in *that*
person's session: the erased person's bodies, and the file of theirs the relay
carried (its media row then has two owners, so it would outlive the erasure).

They are recognised by what the handoff service puts in each of them: the
correlation id of the person's message they derive from, or the reference of
one of the person's handoffs (``[H7K2P] Marie : ...``). Removed in the
erasure's transaction, with the media rows they pointed to returned so that a
file nobody else refers to goes too.
"""

from __future__ import annotations

import asyncpg

from store.erasure_traces import Traces

_DELETE = """
DELETE FROM interactions
WHERE session_id <> ALL($1::uuid[])
  AND direction = 'out'
  AND (correlation_id = ANY($2::text[]) OR content LIKE ANY($3::text[]))
RETURNING media_id
"""


async def delete_relays(
    conn: asyncpg.Connection, sessions: list[object], traces: Traces
) -> tuple[int, list[object]]:
    """Delete the relays of the person in other sessions: (how many, their media ids)."""
    patterns = [f"%[{_escaped(reference)}]%" for reference in traces.references]
    if not traces.correlation_ids and not patterns:
        return 0, []
    rows = await conn.fetch(_DELETE, sessions, list(traces.correlation_ids), patterns)
    media = [row["media_id"] for row in rows if row["media_id"] is not None]
    return len(rows), media


def _escaped(text: str) -> str:
    """``text`` matched literally by LIKE (its default escape character is ``\\``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
