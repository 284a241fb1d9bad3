"""Issue 14, item 6: one person cannot make the assistant answer (or Claude spend) forever.

A flood from one person is cut after their budget of the hour: they get one
polite notice, then silence, while another person of the same channel is still
answered; every message of the flood is still recorded by the store. The same
holds for Claude's tokens: once a person's tokens of the hour are spent, Claude
is not asked again for them (one notice), and another person still is.
"""

from __future__ import annotations

from pathlib import Path

import asyncpg
import yaml
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from ai.responder import OVER_BUDGET as TOKENS_SPENT
from ai.token_budget import Limits as TokenLimits
from ai.token_budget import RedisTokenBudget
from support.ai_fakes import DELIVERY
from support.conversation import Conversation
from support.polling import eventually
from support.settling import settled
from support.stack import running_stack
from support.token_budgets import ANSWER, CostlySender, question, responder, texts_to

ANNE, BRUNO = "33611111111@c.us", "33622222222@c.us"
QUESTION = "Quels sont les horaires des messes ?"
FLOOD, BUDGET = 8, 3
NOTICE_START = "Vous m'avez envoyé beaucoup de messages"


def _refused() -> float:
    labels = {"scope": "person"}
    return REGISTRY.get_sample_value("concierge_router_budget_refusals_total", labels) or 0.0


async def _inbound_rows(database_url: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM interactions WHERE direction = 'in'"))
    finally:
        await conn.close()


async def test_a_flood_is_cut_after_the_budget_while_another_person_is_answered(
    env: dict[str, str], database_url: str
) -> None:
    refused = _refused()
    limited = {**env, "ROUTER_PERSON_MESSAGES_PER_HOUR": str(BUDGET)}
    async with running_stack(limited) as stack:
        anne, bruno = Conversation(stack, ANNE), Conversation(stack, BRUNO)
        for _ in range(FLOOD):
            await anne.send(QUESTION)
        await bruno.send(QUESTION)

        async def flood_cut() -> bool:
            return _refused() == refused + FLOOD - BUDGET

        await eventually(flood_cut)
        answered = await bruno.expect(1)

        async def all_recorded() -> bool:
            return await _inbound_rows(database_url) == FLOOD + 1

        await eventually(all_recorded)  # nothing lost: the store records every message
        await settled(stack)
        said = anne.received()
        assert [text.startswith(NOTICE_START) for text in said].count(True) == 1
        assert said[-1].startswith(NOTICE_START)  # then silence
        assert len(said) == BUDGET + 1  # an answer to each message within the budget
        assert not any(text.startswith(NOTICE_START) for text in answered)
        assert said[0] == answered[0]  # the same answer to the same question


async def test_claude_stops_for_a_person_whose_tokens_are_spent_not_for_another(
    redis: Redis, namespace: str
) -> None:
    sender = CostlySender(tokens=4_000)
    budget = RedisTokenBudget(redis, TokenLimits(person=10_000), key_prefix=f"{namespace}:")
    handle, published = responder(sender, budget)
    for _ in range(FLOOD):
        await handle(question(ANNE), DELIVERY)
    await handle(question(BRUNO), DELIVERY)

    assert texts_to(published, ANNE) == [ANSWER] * 3 + [TOKENS_SPENT["person"]]
    assert texts_to(published, BRUNO) == [ANSWER]
    assert len(sender.requests) == 3 + 1  # none for Anne once her 10,000 tokens were spent


def test_every_ai_replica_shares_the_token_counts_through_redis_in_compose() -> None:
    compose = yaml.safe_load((Path(__file__).parents[2] / "docker-compose.yml").read_text())
    ai = compose["services"]["ai"]
    assert ai["environment"]["REDIS_URL"].startswith("redis://:${REDIS_PASSWORD")
    assert ai["depends_on"]["redis"] == {"condition": "service_healthy"}
    assert "bus" in ai["networks"]
