"""The store records each inbound message and each sent reply exactly once."""

from __future__ import annotations

import asyncpg

from concierge_common.messages import MessageReceived, ReplySent
from store import migrations
from store.repository import MessageLog

CONVERSATION = "cd" * 16


async def _pool(database_url: str) -> asyncpg.Pool:
    await migrations.migrate(database_url, migrations.default_dir())
    return await asyncpg.create_pool(database_url, min_size=1, max_size=2)


async def test_duplicate_inbound_message_is_stored_once(database_url: str) -> None:
    pool = await _pool(database_url)
    try:
        log = MessageLog(pool)
        message = MessageReceived(
            message_id="1" * 32,
            conversation_id=CONVERSATION,
            correlation_id="evt_1",
            session="default",
            chat_id="33600000040@c.us",
            sender_id="33600000040@c.us",
            provider_message_id="false_33600000040@c.us_AAA",
            text="Bonjour",
            sent_at=1_700_000_000,
        )
        assert await log.record_inbound(message) is True
        assert await log.record_inbound(message) is False
        rows = await pool.fetch("SELECT direction, body, occurred_at FROM message_log")
        assert len(rows) == 1
        assert rows[0]["direction"] == "in"
        assert rows[0]["occurred_at"].timestamp() == 1_700_000_000
    finally:
        await pool.close()


async def test_duplicate_sent_reply_is_stored_once(database_url: str) -> None:
    pool = await _pool(database_url)
    try:
        log = MessageLog(pool)
        event = ReplySent(
            message_id="2" * 32,
            conversation_id=CONVERSATION,
            correlation_id="evt_2",
            reply_id="3" * 32,
            session="default",
            chat_id="33600000040@c.us",
            text="Les messes ont lieu...",
            provider_message_id="true_33600000040@c.us_BBB",
        )
        assert await log.record_outbound(event) is True
        assert await log.record_outbound(event) is False
        assert await pool.fetchval("SELECT count(*) FROM message_log WHERE direction='out'") == 1
    finally:
        await pool.close()
