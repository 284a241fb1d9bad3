"""A WAHA webhook goes through gateway -> router -> ai -> gateway -> WAHA, once."""

from __future__ import annotations

import asyncio

from support import fixtures
from support.stack import running_stack


async def test_waha_message_webhook_produces_exactly_one_send_text(env: dict[str, str]) -> None:
    body = fixtures.load("message-image-noweb.json")
    async with running_stack(env) as stack:
        response = await stack.post(body)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "accepted"
        sent = await stack.waha.wait_for_texts(1)
        await asyncio.sleep(1.0)  # leave time for a wrong second reply to show up
        assert len(stack.waha.sent_texts) == 1
        assert sent[0].body["chatId"] == "79069571990@c.us"
        assert sent[0].body["session"] == "chatwoot"
        assert sent[0].headers["x-api-key"] == env["WAHA_API_KEY"]
