"""Claude through the whole stack: a WhatsApp question answered by the (fake) Messages
API, and an overloaded API ending in a handoff that reaches staff.

The real ai service builds the real SDK from its settings (``ANTHROPIC_API_KEY``,
``ANTHROPIC_BASE_URL`` pointing at :mod:`support.fake_claude`); everything else
is the running concierge seeded with the demo parish.
"""

from __future__ import annotations

from collections.abc import Iterator

import asyncpg
import pytest

from ai.responder import UNAVAILABLE
from support import fake_claude as fake
from support.conversation import REFERENCE, STAFF_GROUP, Conversation
from support.settling import settled
from support.stack import running_stack

QUESTION = "Quand peut-on se confesser ? (confessions)"
REPLY = "Les confessions ont lieu le samedi matin, à la chapelle de la Vierge."


@pytest.fixture
def server() -> Iterator[fake.FakeClaude]:
    with fake.FakeClaude() as running:
        yield running


@pytest.fixture
def claude_env(env: dict[str, str], server: fake.FakeClaude) -> dict[str, str]:
    return {
        **env,
        "ANTHROPIC_API_KEY": "sk-test",
        "ANTHROPIC_BASE_URL": server.url,
        "STAFF_CHAT_ID": STAFF_GROUP,
        "HANDOFF_BUSINESS_HOURS": "mon-sun 00:00-24:00",
    }


def _cite_confession(request: fake.Recorded) -> fake.Scripted:
    """Claude's answer, citing the id the store gave the confession fact."""
    cited = [key for key, title in request.facts().items() if title.startswith("Confession")]
    return fake.answer(REPLY, cited) if cited else fake.handoff("other", "fact missing")


async def test_a_whatsapp_question_is_answered_by_claude(
    claude_env: dict[str, str], server: fake.FakeClaude
) -> None:
    server.will(_cite_confession)
    async with running_stack(claude_env) as stack:
        person = Conversation(stack, "33611100001@c.us")
        await person.send(QUESTION)
        assert (await person.expect(1)) == [REPLY]
        await settled(stack)
        assert person.received() == [REPLY]

    [sent] = server.requests
    assert sent.headers["authorization"] == "Bearer sk-test"
    assert sent.last_user_text() == QUESTION
    assert "33611100001" not in str(sent.body)
    assert sent.body["metadata"]["user_id"]


async def test_an_overloaded_api_ends_in_a_handoff_alert_to_staff(
    claude_env: dict[str, str], server: fake.FakeClaude, database_url: str
) -> None:
    server.otherwise = fake.overloaded()
    async with running_stack(claude_env) as stack:
        person = Conversation(stack, "33611100002@c.us")
        await person.send(QUESTION)
        [alert] = await person.expect_staff(1)
        received = await person.expect(2)
        assert received[0] == UNAVAILABLE
        assert REFERENCE.search(alert)
        assert "confess" in alert
        await settled(stack)
        assert len(person.staff_received()) == 1

    assert len(server.requests) == 3  # the SDK's own retries, then the handoff
    conn = await asyncpg.connect(database_url)
    try:
        reasons = await conn.fetch("SELECT reason, requested_by FROM handoffs")
    finally:
        await conn.close()
    assert [(row["reason"], row["requested_by"]) for row in reasons] == [("ai_unavailable", "ai")]
