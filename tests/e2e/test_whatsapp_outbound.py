"""A person's answer goes out as WAHA advises, and a refused one ends with a human.

The whole concierge runs against the WAHA fake (which checks every request
against WAHA's OpenAPI); the typing pause is configured to 0 in tests.
"""

from __future__ import annotations

import asyncpg
from prometheus_client import REGISTRY

from support import fixtures
from support.conversation import REFERENCE, STAFF_GROUP, Conversation
from support.polling import HANG_GUARD, eventually
from support.settling import settled
from support.stack import Stack, running_stack

HUMANE = ["sendSeen", "startTyping", "stopTyping", "sendText"]


def to_chat(stack: Stack, chat: str) -> list[str]:
    """The endpoints the gateway called for ``chat``, in order."""
    return [r.endpoint for r in stack.waha.requests if r.body.get("chatId") == chat]


def send_failures(reason: str, origin: str) -> float:
    labels = {"reason": reason, "origin": origin}
    return REGISTRY.get_sample_value("concierge_gateway_send_failures_total", labels) or 0.0


async def test_a_persons_message_is_read_then_answered_after_typing(
    env: dict[str, str],
) -> None:
    chat = "33600000601@c.us"
    async with running_stack(env) as stack:
        body = fixtures.text_message(chat, "Bonjour, quels sont les horaires des messes ?")
        await stack.post(body)
        await stack.waha.wait_for_texts(1, timeout=HANG_GUARD)
        assert to_chat(stack, chat)[:4] == HUMANE
        [seen, *_] = stack.waha.calls("sendSeen")
        assert seen.body["messageIds"] == [body["payload"]["id"]]
        [text, *_] = stack.waha.sent_texts
        assert text.body["id"]  # a pre-generated id: an interrupted send can be confirmed
        assert stack.waha.invalid == []


async def test_a_session_not_working_yet_is_retried_and_answered_once(
    env: dict[str, str],
) -> None:
    async with running_stack(env) as stack:
        stack.waha.fail_next(1, 422, {"error": "Session status is not as expected."})
        await stack.post(fixtures.text_message("33600000602@c.us", "Bonjour"))
        await stack.waha.wait_for_texts(1, timeout=HANG_GUARD)
        await settled(stack)
        assert len(stack.waha.sent_texts) == 1
        assert stack.waha.invalid == []


async def test_a_reply_whatsapp_refuses_is_recorded_and_handed_to_staff(
    env: dict[str, str],
) -> None:
    env = {**env, "STAFF_CHAT_ID": STAFF_GROUP, "HANDOFF_BUSINESS_HOURS": "mon-sun 00:00-24:00"}
    origins = ("ai", "router")
    before = {origin: send_failures("timelock", origin) for origin in origins}
    async with running_stack(env) as stack:
        person = Conversation(stack, "33600000603@c.us")
        stack.waha.fail_next(1, 463, {"message": "reachout timelock"})
        await person.send("Bonjour, quels sont les horaires des messes ?")
        [alert] = await person.expect_staff(1)
        assert "Message non remis" in alert
        assert REFERENCE.search(alert)
        db = await asyncpg.connect(env["DATABASE_URL"])
        try:
            row = await eventually(
                lambda: db.fetchrow(
                    "SELECT origin, delivery_status, delivery_error FROM interactions"
                    " WHERE provider_message_id LIKE 'failed:%'"
                )
            )
            handoff = await db.fetchrow("SELECT state, reason, requested_by, chat_id FROM handoffs")
        finally:
            await db.close()
        assert (row["delivery_status"], row["delivery_error"]) == ("failed", "timelock")
        assert handoff is not None
        assert (handoff["state"], handoff["reason"], handoff["requested_by"]) == (
            "requested", "delivery_failed", "error",
        )  # fmt: skip
        assert handoff["chat_id"] == person.chat
        assert send_failures("timelock", row["origin"]) == before[row["origin"]] + 1
        await settled(stack)
        assert person.received() == []  # refused once, never retried, no notice sent
        assert len(person.staff_received()) == 1
        assert stack.waha.invalid == []
