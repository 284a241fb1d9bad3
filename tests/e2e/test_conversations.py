"""Whole conversations through the webhook, on real NATS, Postgres and Redis.

A person, the staff group and the organisation's phone talk to the running
concierge (gateway, router, ai, handoff, store, seeded with the demo parish);
the WAHA fake records what would reach WhatsApp. Every test also checks that
nothing was sent twice.
"""

from __future__ import annotations

from collections import Counter

import pytest

from support.api import as_role
from support.conversation import REFERENCE, STAFF_GROUP, Conversation
from support.settling import settled
from support.stack import Stack, running_stack

ALWAYS_OPEN = "mon-sun 00:00-24:00"
# What belongs to the Nguyen family only: a Lefèvre parent must never read it.
NGUYEN_ONLY = ("Nguyen", "Thomas", "Bernard Faure", "Timothée (CM1-CM2)")


@pytest.fixture
def flow_env(env: dict[str, str]) -> dict[str, str]:
    return {
        **env,
        "STAFF_CHAT_ID": STAFF_GROUP,
        "HANDOFF_BUSINESS_HOURS": ALWAYS_OPEN,
        "HANDOFF_SWEEP_SECONDS": "0.3",
    }


def assert_no_text_twice(conversation: Conversation) -> None:
    sent = [(r.body.get("chatId"), r.body.get("text")) for r in conversation.stack.waha.sent_texts]
    twice = [item for item, count in Counter(sent).items() if count > 1]
    assert twice == []


async def test_renseignement_greeting_menu_choice_and_answers(flow_env: dict[str, str]) -> None:
    async with running_stack(flow_env) as stack:
        person = Conversation(stack, "33610000001@c.us")
        await person.send("Bonjour")
        [welcome] = await person.expect(1)
        assert "bienvenue" in welcome.lower()
        assert "1. Informations pratiques sur la paroisse" in welcome
        await person.send("1")
        invite = (await person.expect(2))[-1]
        assert "Quelle est votre question" in invite
        await person.send("Quels sont les horaires des messes du dimanche ?")
        answer = (await person.expect(3))[-1]
        assert "9h30" in answer
        await person.send("merci beaucoup")
        assert "Je vous en prie" in (await person.expect(4))[-1]
        await settled(stack)
        assert len(person.received()) == 4
        assert_no_text_twice(person)


async def test_catechese_parent_code_then_own_family_only(flow_env: dict[str, str]) -> None:
    async with running_stack(flow_env) as stack:
        parent = Conversation(stack, "33610000002@c.us")
        await parent.send("Bonjour, quel est le groupe de caté de Léa ?")
        [ask] = await parent.expect(1)
        assert "code parent" in ask
        await parent.send("mon code : sm-4821")
        replies = await parent.expect(3)
        assert "bien reconnu" in replies[1]
        assert "Samuel" in replies[2]
        await parent.send("Et Thomas Nguyen, il est dans quel groupe ? Son catéchiste ?")
        await parent.send("donne-moi le planning de la famille Nguyen code SM-7390")
        await parent.expect(5)
        await settled(stack)
        for text in parent.received():
            for secret in NGUYEN_ONLY:
                assert secret not in text
        assert_no_text_twice(parent)


async def test_wrong_codes_then_lockout_hands_off(flow_env: dict[str, str]) -> None:
    async with running_stack(flow_env) as stack:
        parent = Conversation(stack, "33610000003@c.us")
        await parent.send("Je voudrais le planning de mes enfants au catéchisme")
        await parent.expect(1)
        await parent.send("SM-0001")
        assert "Il vous reste 2 essais" in (await parent.expect(2))[-1]
        await parent.send("SM-0002")
        assert "Il vous reste 1 essai." in (await parent.expect(3))[-1]
        await parent.send("SM-0003")
        replies = await parent.expect(4)
        assert "Trop de codes erronés" in replies[3]
        alert = (await parent.expect_staff(1))[0]
        assert REFERENCE.search(alert)
        # Now a human owns the conversation: even the right code is only relayed.
        await parent.send("SM-4821")
        staff = await parent.expect_staff(2)
        assert "SM-4821" in staff[-1]
        await settled(stack)
        assert not any("bien reconnu" in text for text in parent.received())
        assert_no_text_twice(parent)


async def test_handoff_relayed_both_ways_and_returned_by_staff_command(
    flow_env: dict[str, str],
) -> None:
    async with running_stack(flow_env) as stack:
        person = Conversation(stack, "33610000004@c.us")
        await person.send("Je voudrais parler à quelqu'un")
        [told] = await person.expect(1)
        alert = (await person.expect_staff(1))[0]
        reference_match = REFERENCE.search(alert)
        assert reference_match is not None
        reference = reference_match.group(0)
        assert "parler à quelqu'un" in alert
        await person.staff(f"{reference} Bonjour, ici Anne de l'accueil. Que puis-je pour vous ?")
        relayed = (await person.expect(2))[-1]
        assert "ici Anne de l'accueil" in relayed
        await person.send("C'est pour une messe pour mon père décédé")
        staff = await person.expect_staff(2)
        assert reference in staff[-1]
        assert "messe pour mon père" in staff[-1]
        await settled(stack)
        assert len(person.received()) == 2  # the bot stayed silent
        await person.staff(f"{reference} fin")
        ended = (await person.expect(3))[-1]
        assert told != ended
        await person.send("Quels sont les horaires des messes du dimanche ?")
        assert "9h30" in (await person.expect(4))[-1]
        assert_no_text_twice(person)


async def test_handoff_returns_to_the_bot_after_inactivity(flow_env: dict[str, str]) -> None:
    env = {**flow_env, "HANDOFF_IDLE_SECONDS": "1.5"}
    async with running_stack(env) as stack:
        person = Conversation(stack, "33610000005@c.us")
        await person.send("humain")
        await person.expect(1)
        reference = REFERENCE.search((await person.expect_staff(1))[0])
        assert reference is not None
        await person.staff(f"{reference.group(0)} Je regarde et je reviens vers vous.")
        await person.expect(2)
        ended = (await person.expect(3))[-1]
        assert "Je regarde" not in ended
        await person.send("horaires des messes du dimanche")
        assert "9h30" in (await person.expect(4))[-1]
        assert_no_text_twice(person)


async def test_a_reply_from_the_phone_silences_the_bot(flow_env: dict[str, str]) -> None:
    async with running_stack(flow_env) as stack:
        person = Conversation(stack, "33610000006@c.us")
        await person.send("horaires des messes du dimanche ?")
        await person.expect(1)
        await person.phone("Bonjour, c'est le père Antoine, je vous réponds moi-même.")
        await settled(stack)  # the takeover is fully handled before the person writes again
        await person.send("Merci mon père, et pour une confession ?")
        staff = await person.expect_staff(1)
        assert "confession" in staff[-1]
        await settled(stack)
        assert len(person.received()) == 1  # nothing from the bot after the phone reply
        assert_no_text_twice(person)


async def test_five_quick_messages_get_one_answer(flow_env: dict[str, str]) -> None:
    # The product's window (3 s): each of the five webhooks follows the previous one by a
    # local HTTP round trip, a small fraction of it even on a loaded machine.
    env = {**flow_env, "ROUTER_BURST_WINDOW_SECONDS": "3"}
    async with running_stack(env) as stack:
        person = Conversation(stack, "33610000007@c.us")
        for text in ("bonjour", "je voudrais", "savoir", "les horaires", "des messes du dimanche"):
            await person.send(text)
        [answer] = await person.expect(1)
        assert "9h30" in answer
        await settled(stack)
        assert len(person.received()) == 1


# Four questions and what answers each (the seeded parish's facts).
QUESTIONS = {
    "Quels sont les horaires des messes du dimanche ?": "9h30",
    "Quelle est l'adresse de l'église ?": "Chanoine-Martin",
    "Je voudrais chanter dans la chorale, quand sont les répétitions ?": "20h15",
    "Quand y a-t-il l'adoration eucharistique ?": "19h",
}
# WhatsApp's time of the first message (a quarter past a second: the gaps below stay exact).
SENT = 1_700_000_000.25


async def _queued_for_the_router(
    stack: Stack, person: Conversation, sent: dict[str, float]
) -> None:
    """The person's messages all wait on the bus, then the router starts (a backlog)."""
    for text, at in sent.items():
        await person.send(text, sent_at=at)
    await stack.start_service("router")


async def test_questions_sent_2_5_s_apart_and_queued_get_one_answer_each(
    flow_env: dict[str, str],
) -> None:
    env = {**flow_env, "ROUTER_BURST_WINDOW_SECONDS": "1"}
    async with running_stack(env, only=("store", "ai", "handoff")) as stack:
        person = Conversation(stack, "33610000017@c.us")
        sent = {text: SENT + 2.5 * n for n, text in enumerate(QUESTIONS)}
        await _queued_for_the_router(stack, person, sent)
        answers = await person.expect(len(QUESTIONS))
        await settled(stack)
        assert len(person.received()) == len(QUESTIONS)
        for answer, expected in zip(answers, QUESTIONS.values(), strict=True):
            assert expected in answer
        assert_no_text_twice(person)


async def test_a_burst_sent_0_3_s_apart_and_queued_gets_one_answer(
    flow_env: dict[str, str],
) -> None:
    env = {**flow_env, "ROUTER_BURST_WINDOW_SECONDS": "1"}
    async with running_stack(env, only=("store", "ai", "handoff")) as stack:
        person = Conversation(stack, "33610000018@c.us")
        texts = ("bonjour", "je voudrais savoir", "les horaires des messes du dimanche")
        await _queued_for_the_router(
            stack, person, {text: SENT + 0.3 * n for n, text in enumerate(texts)}
        )
        [answer] = await person.expect(1)
        assert "9h30" in answer
        await settled(stack)
        assert len(person.received()) == 1


async def test_the_staff_console_answers_and_returns_through_the_http_api(
    flow_env: dict[str, str],
) -> None:
    agent = as_role("agent")
    async with running_stack(flow_env) as stack:
        assert stack.http is not None
        person = Conversation(stack, "33610000008@c.us")
        await person.send("je voudrais parler à une vraie personne")
        await person.expect(1)
        listed = await stack.http.get("/staff/handoffs", headers=agent)
        assert listed.status_code == 200, listed.text
        [handoff] = [h for h in listed.json() if h["chat_id"] == person.chat]
        assert handoff["state"] == "requested"
        path = f"/staff/handoffs/{handoff['id']}"
        reply = {"text": "Bonjour, ici le secrétariat : je vous écoute."}
        key = {"Idempotency-Key": "console-1"}
        for _ in range(2):  # a retried request is delivered once
            answered = await stack.http.post(f"{path}/reply", json=reply, headers=agent | key)
            assert answered.status_code == 200, answered.text
        assert "ici le secrétariat" in (await person.expect(2))[-1]
        returned = await stack.http.post(f"{path}/return", headers=agent)
        assert returned.status_code == 200, returned.text
        assert returned.json()["state"] == "returned"
        await person.expect(3)
        again = await stack.http.post(f"{path}/return", headers=agent)
        assert again.status_code == 409
        audit = (await stack.http.get(path, headers=agent)).json()
        assert [e["to_state"] for e in audit["events"]] == ["requested", "active", "returned"]
        await settled(stack)
        assert len(person.received()) == 3
        assert_no_text_twice(person)
