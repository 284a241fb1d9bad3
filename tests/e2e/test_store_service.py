"""The running store: a webhook's message lands in a session the store then serves
over request/reply, next to its admin operations."""

from __future__ import annotations

import nats

from concierge_common.bus.rpc import RpcClient
from concierge_common.contracts.store_api import (
    SERVICE,
    SESSION_OPEN,
    USER_GET,
    ById,
    SessionOpen,
    SessionView,
    UserView,
)
from support import fixtures
from support.stack import running_stack
from support.store_db import eventually_fetched

CHAT = "33600000501@c.us"


async def _stored_session(database_url: str) -> str:
    return await eventually_fetched(
        database_url, "SELECT session_id FROM interactions WHERE direction='in'"
    )


async def test_a_webhook_message_opens_the_session_the_store_then_serves(
    env: dict[str, str], database_url: str
) -> None:
    async with running_stack(env, only=("store",), seeded=False) as stack:
        response = await stack.post(fixtures.text_message(CHAT, "Bonjour"))
        assert response.status_code == 200
        recorded_in = await _stored_session(database_url)
        nc = await nats.connect(env["NATS_URL"])
        try:
            client = RpcClient(nc, stack.topology)
            session = await client.call(
                SERVICE, SESSION_OPEN, SessionOpen(whatsapp_id=CHAT), SessionView
            )
            user = await client.call(SERVICE, USER_GET, ById(id=session.user_id), UserView)
        finally:
            await nc.close()
    assert session.id == recorded_in
    assert session.created is False
    assert user.whatsapp_ids == [CHAT]
