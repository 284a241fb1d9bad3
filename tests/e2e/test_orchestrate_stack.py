"""``POST /orchestrate`` through the real pipeline: gateway -> router -> ai / handoff ->
gateway's outbound role -> the waiting request, never WAHA.

The whole concierge runs in process against the real NATS, Postgres and Redis
with the seeded parish (:func:`support.stack.running_stack`).
"""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest

from concierge_common import settings as settings_module
from gateway.service import GatewayService
from gateway.settings import GatewaySettings
from support.api import as_role
from support.polling import HANG_GUARD, eventually
from support.stack import Stack, running_stack

CHANNEL = as_role("channel")
STAFF_CHAT = "120363000000000001@g.us"
# The product's own timeout (504) raised to a hang guard: these tests wait for an answer,
# however slow the machine; a missing answer still ends in a 504 and a failed test.
ORCHESTRATE_TIMEOUT = str(HANG_GUARD)


@pytest.fixture
def env(env: dict[str, str]) -> dict[str, str]:
    return {**env, "GATEWAY_ORCHESTRATE_TIMEOUT_SECONDS": ORCHESTRATE_TIMEOUT}


async def orchestrate(stack: Stack, user: str, text: str, **extra: str) -> httpx.Response:
    assert stack.http is not None
    body = {"user": user, "text": text, **extra}
    return await stack.http.post(
        "/orchestrate", json=body, headers=CHANNEL, timeout=HANG_GUARD + 30
    )


async def interactions_of(database_url: str, person: str) -> list[tuple[str, str]]:
    """``(direction, origin)`` of what the store recorded for ``person``, oldest first."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT i.direction, i.origin FROM interactions i"
            " JOIN sessions s ON s.id = i.session_id"
            " JOIN user_whatsapp_ids w ON w.user_id = s.user_id"
            " WHERE w.whatsapp_id = $1 ORDER BY i.occurred_at, i.created_at",
            person,
        )
    finally:
        await conn.close()
    return [(row["direction"], row["origin"]) for row in rows]


def texts(body: dict[str, Any]) -> str:
    return "\n".join(reply["text"] for reply in body["replies"])


async def test_mass_times_are_answered_through_the_pipeline_and_never_reach_waha(
    env: dict[str, str],
) -> None:
    async with running_stack(env) as stack:
        response = await orchestrate(stack, "web-e2e1", "Quels sont les horaires des messes ?")
        assert response.status_code == 200, response.text
        body = response.json()
        assert "9h30" in texts(body)
        assert body["handed_off"] is False
        assert {reply["origin"] for reply in body["replies"]} == {"ai"}
        assert stack.waha.sent_texts == []


async def test_the_store_records_the_api_exchange_once(
    env: dict[str, str], database_url: str
) -> None:
    async with running_stack(env) as stack:
        response = await orchestrate(stack, "web-e2e2", "Quels sont les horaires des messes ?")
        assert response.status_code == 200, response.text

        async def both_recorded() -> list[tuple[str, str]] | None:
            rows = await interactions_of(database_url, "tester:web-e2e2@api")
            return rows if len(rows) >= 2 else None

        assert await eventually(both_recorded) == [("in", ""), ("out", "ai")]


async def test_asking_for_a_person_is_handed_off_and_staff_alerted_on_whatsapp(
    env: dict[str, str],
) -> None:
    async with running_stack({**env, "STAFF_CHAT_ID": STAFF_CHAT}) as stack:
        response = await orchestrate(stack, "web-e2e3", "je veux parler à quelqu'un", name="Marie")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["handed_off"] is True
        assert body["replies"][0]["origin"] == "handoff"
        [alert] = await stack.waha.wait_for_texts(1, timeout=HANG_GUARD)
    assert alert.body["chatId"] == STAFF_CHAT
    assert alert.body["session"] == "default"  # WAHA's session, not the pseudo session "api"


async def test_a_message_while_staff_own_the_conversation_is_acknowledged_not_timed_out(
    env: dict[str, str],
) -> None:
    flow = {**env, "STAFF_CHAT_ID": STAFF_CHAT}
    async with running_stack(flow) as stack:
        first = await orchestrate(stack, "web-e2e6", "je veux parler à quelqu'un")
        assert first.json()["handed_off"] is True
        await stack.waha.wait_for_texts(1, timeout=HANG_GUARD)  # staff alerted

        response = await orchestrate(stack, "web-e2e6", "c'est pour un baptême en juin")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["handed_off"] is True
        assert texts(body) == "Votre message a bien été transmis à l'accueil paroissial."

        async def relayed() -> bool:
            return any("baptême en juin" in sent.body["text"] for sent in stack.waha.sent_texts)

        assert await eventually(relayed)


async def test_the_next_message_of_the_same_person_continues_their_conversation(
    env: dict[str, str],
) -> None:
    async with running_stack(env) as stack:
        first = await orchestrate(stack, "web-e2e4", "Bonjour")
        second = await orchestrate(stack, "web-e2e4", "Quand est ouvert l'accueil ?")
        other = await orchestrate(stack, "web-e2e5", "Bonjour")
    assert first.status_code == second.status_code == other.status_code == 200
    assert "bienvenue" in texts(first.json()).lower()
    assert "9h30 à 12h" in texts(second.json())
    assert first.json()["conversation_id"] == second.json()["conversation_id"]
    assert other.json()["conversation_id"] != first.json()["conversation_id"]


async def test_split_gateway_roles_answer_through_the_separate_outbound_process(
    env: dict[str, str],
) -> None:
    async with running_stack({**env, "GATEWAY_ROLES": "api"}) as stack:
        outbound_env = {**stack.env, "GATEWAY_ROLES": "outbound", "WAHA_WEBHOOK_HMAC_KEY": ""}
        sender = GatewayService(settings_module.load(GatewaySettings, outbound_env), health_port=0)
        await sender.start()
        try:
            response = await orchestrate(stack, "web-e2e6", "Quels sont les horaires des messes ?")
        finally:
            await sender.stop()
    assert response.status_code == 200, response.text
    assert "9h30" in texts(response.json())
