"""Privacy erasure against the whole pipeline (issue 12): a person erased while their
message is still being routed, answered and recorded stays erased once everything
in flight is done; the same person writing afterwards is a new person."""

from __future__ import annotations

import time
from typing import Any

import asyncpg

from gateway.api.auth import mint_token
from support import fixtures
from support.settling import settled
from support.stack import JWT_SECRET, running_stack
from support.store_db import eventually_fetched

CHAT = "33600000778@c.us"
_ABOUT_A_PERSON = ("users", "user_whatsapp_ids", "sessions", "interactions", "handoffs")


def _admin() -> dict[str, str]:
    token = mint_token(
        JWT_SECRET, subject="dpo", roles=["admin"], ttl_seconds=300, audience="concierge-api"
    )
    return {"authorization": f"Bearer {token}"}


def _written_now(body: str) -> dict[str, Any]:
    """A webhook of a message the person writes now (the fixture's time is from 2022)."""
    event = fixtures.text_message(CHAT, body)
    event["payload"]["timestamp"] = int(time.time()) + 1
    return event


async def _rows(database_url: str) -> dict[str, int]:
    conn = await asyncpg.connect(database_url)
    try:
        counts = {
            table: int(await conn.fetchval(f"SELECT count(*) FROM {table}"))  # noqa: S608
            for table in _ABOUT_A_PERSON
        }
    finally:
        await conn.close()
    return {table: count for table, count in counts.items() if count}


async def _first_recorded_person(database_url: str) -> str:
    return await eventually_fetched(
        database_url, "SELECT user_id FROM user_whatsapp_ids WHERE whatsapp_id = $1", CHAT
    )


async def test_a_person_erased_while_their_message_is_answered_stays_erased(
    env: dict[str, str], database_url: str
) -> None:
    # The router waits for more messages of a burst before it answers (and then opens the
    # session again): the erasure very likely lands in the middle of the answer, though
    # the test holds true wherever it lands.
    async with running_stack({**env, "ROUTER_BURST_WINDOW_SECONDS": "2"}) as stack:
        http = stack.http
        assert http is not None
        assert (await stack.post(fixtures.text_message(CHAT, "Bonjour"))).status_code == 200
        user_id = await _first_recorded_person(database_url)

        # Erased as soon as the store knows them: router, ai, the gateway and the
        # store's record of the reply may all still be at work on that message.
        erased = await http.delete(f"/admin/users/{user_id}", headers=_admin())
        assert erased.status_code == 200
        await settled(stack)

        assert await _rows(database_url) == {}
        person_gone = await http.get(f"/admin/users/{user_id}", headers=_admin())
        assert person_gone.status_code == 404


async def test_the_person_writing_again_after_the_erasure_is_answered_as_a_new_person(
    env: dict[str, str], database_url: str
) -> None:
    async with running_stack(env) as stack:
        http = stack.http
        assert http is not None
        assert (await stack.post(fixtures.text_message(CHAT, "Bonjour"))).status_code == 200
        await settled(stack)
        first = await _first_recorded_person(database_url)
        assert (await http.delete(f"/admin/users/{first}", headers=_admin())).status_code == 200
        answers = len(stack.waha.sent_texts)

        assert (await stack.post(_written_now("Bonjour, c'est encore moi"))).status_code == 200
        await settled(stack)

        assert len(stack.waha.sent_texts) > answers  # answered
        again = await _first_recorded_person(database_url)
        assert again != first
        rows = await _rows(database_url)
        assert (rows["users"], rows["sessions"]) == (1, 1)
        assert (await http.get(f"/admin/users/{first}", headers=_admin())).status_code == 404
        assert (await http.get(f"/admin/users/{again}", headers=_admin())).status_code == 200
