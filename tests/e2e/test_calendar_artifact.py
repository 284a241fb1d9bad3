"""A verified parent who asks for the calendar receives an .ics through WAHA's sendFile,
and the store keeps it as an artifact of their session (the whole stack, offline ai)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg

from concierge_common.contracts.messages import Codec, SendReply
from support.bus_reading import stored_on
from support.conversation import Conversation
from support.polling import HANG_GUARD, eventually
from support.stack import Stack, running_stack

PARENT = "33610000090@c.us"


async def _sessions_ahead(database_url: str) -> list[date]:
    """The demo Lefèvre children's sessions moved to next week and the one after (the seed's
    dates would pass one day)."""
    today = datetime.now(UTC).date()
    ahead = [today + timedelta(days=7), today + timedelta(days=14)]
    days = json.dumps([day.isoformat() for day in ahead])
    conn = await asyncpg.connect(database_url)
    try:
        for child in (0, 1):
            await conn.execute(
                "UPDATE user_services SET attributes = jsonb_set(attributes,"
                " $1::text[], $2::jsonb) WHERE attributes->>'family' = 'Famille Lefèvre'",
                ["children", str(child), "next_sessions"],
                days,
            )
    finally:
        await conn.close()
    return ahead


async def _file_replies(stack: Stack) -> list[SendReply]:
    nc = stack.gateway.runtime.nc
    subject = f"{stack.topology.subject_prefix}chat.v1.outbound.*.*"
    found = await stored_on(nc, stack.topology.stream, subject, Codec(SendReply).decode)
    return [m for m in found if isinstance(m, SendReply) and m.attachment is not None]


async def _artifacts(database_url: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url)
    try:
        rows: list[asyncpg.Record] = await conn.fetch(
            "SELECT a.type, a.content, m.mime_type, m.filename, s.name AS service"
            " FROM artifacts a JOIN media m ON m.id = a.media_id"
            " JOIN services s ON s.id = a.service_id"
        )
        return rows
    finally:
        await conn.close()


async def test_a_verified_parent_gets_the_calendar_as_an_ics_file(
    env: dict[str, str], tmp_path: Path
) -> None:
    async with running_stack({**env, "MEDIA_STORAGE_URL": str(tmp_path / "media")}) as stack:
        ahead = await _sessions_ahead(env["DATABASE_URL"])
        parent = Conversation(stack, PARENT)
        await parent.send("Bonjour, quel est le groupe de caté de Léa ?")
        await parent.expect(1)
        await parent.send("mon code : sm-4821")
        await parent.expect(3)
        await parent.send("Pouvez-vous m'envoyer le calendrier ?")

        [reply] = await eventually(lambda: _file_replies(stack))
        assert reply.attachment is not None
        assert reply.attachment.mimetype == "text/calendar"
        assert reply.in_reply_to_provider_id

        [sent] = await stack.waha.wait_for("sendFile", 1, timeout=HANG_GUARD)
        file = sent.body["file"]
        assert (file["mimetype"], file["filename"]) == ("text/calendar", "catechese-lefevre.ics")
        data = base64.b64decode(file["data"])
        assert data.startswith(b"BEGIN:VCALENDAR\r\n")
        assert data.count(b"BEGIN:VEVENT") == 4  # two sessions for each of the two children
        assert f"DTSTART;TZID=Europe/Paris:{ahead[0]:%Y%m%d}T100000".encode() in data
        assert "Léa et Hugo" in sent.body["caption"]
        assert stack.waha.invalid == []

        [artifact] = await eventually(lambda: _artifacts(env["DATABASE_URL"]))
        assert (artifact["type"], artifact["service"]) == ("ics", "CATECHESE")
        assert json.loads(artifact["content"]) == {"children": ["Léa", "Hugo"], "events": 4}
        assert (artifact["mime_type"], artifact["filename"]) == (
            "text/calendar",
            "catechese-lefevre.ics",
        )
