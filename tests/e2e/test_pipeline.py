"""A WAHA webhook goes through gateway -> router -> ai -> gateway -> WAHA, once, in order."""

from __future__ import annotations

import asyncio

import asyncpg

from ai.responder import SORRY
from concierge_common import settings as settings_module
from gateway.service import GatewayService
from gateway.settings import GatewaySettings
from support import fixtures
from support.conversation import texts_to, wait_for
from support.polling import HANG_GUARD, eventually
from support.settling import settled
from support.stack import Stack, running_stack

# What each question's reply contains, from the seeded parish (the router welcomes a
# greeting; ai answers the rest, general catechism questions included, from the
# facts without a validity window, so the expectations hold whatever the date).
QUESTIONS = (
    ("Bonjour", "bienvenue"),
    ("Quels sont les horaires des messes ?", "messe"),
    ("Quand est ouvert l'accueil ?", "9h30 à 12h"),
    ("baptême de mon bébé", "trois mois avant"),
    ("je voudrais me marier", "un an avant"),
    ("inscription au catéchisme", "inscriptions se font"),
    ("confessions", "chapelle de la vierge"),
)
STAFF_CHAT = "120363000000000001@g.us"


async def _outbound_rows(database_url: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM interactions WHERE direction = 'out'"))
    finally:
        await conn.close()


async def _wait_for_rows(database_url: str, count: int) -> None:
    async def recorded() -> bool:
        return await _outbound_rows(database_url) >= count

    await eventually(recorded)


async def test_waha_message_webhook_produces_exactly_one_send_text(
    env: dict[str, str], database_url: str
) -> None:
    body = fixtures.load("message-image-noweb.json")
    async with running_stack(env) as stack:
        # The documented body points at WAHA's docs host; serve the file from the WAHA fake.
        name = body["payload"]["id"] + ".jpg"
        url = stack.waha.add_file(
            name, b"\xff\xd8\xff\xe0 a jpeg", "image/jpeg", session="chatwoot"
        )
        body["payload"]["media"]["url"] = url
        response = await stack.post(body)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "accepted"
        sent = await stack.waha.wait_for_texts(1, timeout=HANG_GUARD)
        await _wait_for_rows(database_url, 1)
        await settled(stack)
        assert len(stack.waha.sent_texts) == 1
        assert sent[0].body["chatId"] == "79069571990@c.us"
        assert sent[0].body["session"] == "chatwoot"
        assert sent[0].headers["x-api-key"] == env["WAHA_API_KEY"]


async def test_bonjour_gets_a_french_welcome(env: dict[str, str]) -> None:
    async with running_stack(env) as stack:
        await stack.post(fixtures.load("message-text-webjs-inbound.json"))
        sent = await stack.waha.wait_for_texts(1, timeout=HANG_GUARD)
        assert "bienvenue" in sent[0].body["text"].lower()
        assert sent[0].body["chatId"] == "11111111111@c.us"


async def test_same_webhook_delivered_three_times_yields_one_reply(
    env: dict[str, str], database_url: str
) -> None:
    body = fixtures.text_message("33600000001@c.us", "horaires des messes ?")
    async with running_stack(env) as stack:
        answers = [await stack.post(body) for _ in range(3)]
        assert [answer.status_code for answer in answers] == [200, 200, 200]
        assert [answer.json()["duplicate"] for answer in answers] == [False, True, True]
        await stack.waha.wait_for_texts(1, timeout=HANG_GUARD)
        await _wait_for_rows(database_url, 1)
        await settled(stack)
        assert len(stack.waha.sent_texts) == 1


async def test_twenty_messages_from_one_chat_are_answered_in_order(env: dict[str, str]) -> None:
    chat = "33600000002@c.us"
    script = [QUESTIONS[index % len(QUESTIONS)] for index in range(20)]
    async with running_stack(env) as stack:
        stack.waha.delay = 0.02  # a slow WAHA must not let later replies overtake
        for question, _ in script:
            response = await stack.post(fixtures.text_message(chat, question))
            assert response.status_code == 200
        await stack.waha.wait_for_texts(20, timeout=HANG_GUARD)
        await settled(stack)  # a wrong extra reply would have come by now
        texts = [item.body["text"].lower() for item in stack.waha.sent_texts]
        assert len(texts) == 20
        for (question, expected), text in zip(script, texts, strict=True):
            assert expected in text, f"reply to {question!r} out of order: {text[:40]!r}"


async def test_fifty_chats_are_processed_concurrently(env: dict[str, str]) -> None:
    async with running_stack({**env, "GATEWAY_ROLES": "api"}) as stack:
        stack.waha.delay = 0.3
        bodies = [
            fixtures.text_message(f"336100000{index:02d}@c.us", "horaires des messes")
            for index in range(50)
        ]
        responses = await asyncio.gather(*(stack.post(body) for body in bodies))
        assert all(response.status_code == 200 for response in responses)
        # No sender yet: the fifty replies wait on the outbound flow, so the sender finds
        # them all at once, however slowly router and ai produced them on this machine.
        await settled(stack)
        sender_env = {**stack.env, "GATEWAY_ROLES": "outbound", "WAHA_WEBHOOK_HMAC_KEY": ""}
        sender = GatewayService(settings_module.load(GatewaySettings, sender_env), health_port=0)
        await sender.start()
        try:
            sent = await stack.waha.wait_for_texts(50, timeout=HANG_GUARD)
        finally:
            await sender.stop()
        assert len({item.body["chatId"] for item in sent}) == 50
        assert stack.waha.max_in_flight > 1


async def _texts_to(stack: Stack, chat: str, count: int) -> list[str]:
    def so_far() -> tuple[str, list[str]]:
        return chat, texts_to(stack, chat)

    await wait_for(lambda: len(texts_to(stack, chat)) >= count, HANG_GUARD, so_far)
    return texts_to(stack, chat)


async def test_a_question_ai_cannot_answer_is_handed_to_a_human_once(env: dict[str, str]) -> None:
    chat = "33600000003@c.us"
    flow_env = {
        **env,
        "STAFF_CHAT_ID": STAFF_CHAT,
        "HANDOFF_BUSINESS_HOURS": "mon-sun 00:00-23:59",
    }
    async with running_stack(flow_env) as stack:
        await stack.post(fixtures.text_message(chat, "horaires des messes ?"))
        await _texts_to(stack, chat, 1)
        await stack.post(
            fixtures.text_message(chat, "Le parvis sera-t-il fleuri pour la Saint-Jean ?")
        )
        texts = await _texts_to(stack, chat, 3)
        assert texts[1] == SORRY
        assert texts[2] != SORRY  # the handoff service tells the person a human will answer
        [alert] = await _texts_to(stack, STAFF_CHAT, 1)
        assert "Le parvis sera-t-il fleuri" in alert
        assert "33600000003" not in alert
        await settled(stack)
        assert len(await _texts_to(stack, chat, 3)) == 3
        assert len(await _texts_to(stack, STAFF_CHAT, 1)) == 1
