"""Claude's hourly token budgets per person and channel (in memory, on a moved clock)."""

from __future__ import annotations

from prometheus_client import REGISTRY

from ai.responder import OVER_BUDGET
from ai.token_budget import CHANNEL, PERSON, Limits, LocalTokenBudget
from support.ai_fakes import DELIVERY
from support.manual_clock import ManualClock
from support.token_budgets import ANSWER, CostlySender, question, responder, texts_to

ANNE, BRUNO = "33611111111@c.us", "33622222222@c.us"
START = 1_764_064_800.0


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_person_who_spent_their_tokens_is_refused_and_another_is_not() -> None:
    budget = LocalTokenBudget(Limits(person=1000), clock=ManualClock(START))
    await budget.record(question(ANNE), 600)
    assert (await budget.check(question(ANNE))).allowed
    await budget.record(question(ANNE), 600)
    spent = await budget.check(question(ANNE))
    assert (spent.allowed, spent.scope, spent.notify) == (False, PERSON, True)
    assert not (await budget.check(question(ANNE))).notify  # once an hour
    assert (await budget.check(question(BRUNO))).allowed


async def test_tokens_leave_the_budget_an_hour_later() -> None:
    clock = ManualClock(START)
    budget = LocalTokenBudget(Limits(person=1000), clock=clock)
    await budget.record(question(ANNE), 1000)
    clock.now += 1800
    assert not (await budget.check(question(ANNE))).allowed
    clock.now += 1800 + 300  # the hour slides by slices of five minutes
    assert (await budget.check(question(ANNE))).allowed


async def test_the_channel_budget_adds_every_persons_tokens() -> None:
    budget = LocalTokenBudget(Limits(person=1000, channel=1500), clock=ManualClock(START))
    await budget.record(question(ANNE), 800)
    await budget.record(question(BRUNO), 800)
    spent = await budget.check(question("33633333333@c.us"))
    assert (spent.allowed, spent.scope) == (False, CHANNEL)


async def test_zero_means_unlimited() -> None:
    budget = LocalTokenBudget(Limits(), clock=ManualClock(START))
    await budget.record(question(ANNE), 10**9)
    assert (await budget.check(question(ANNE))).allowed


async def test_claude_is_not_asked_once_the_budget_is_spent_one_notice_then_silence() -> None:
    sender = CostlySender(tokens=400)
    budget = LocalTokenBudget(Limits(person=1000), clock=ManualClock(START))
    handle, published = responder(sender, budget)
    refused = _sample("concierge_ai_token_budget_refusals_total", scope=PERSON)
    notices = _sample("concierge_ai_token_budget_notices_total", scope=PERSON)
    for _ in range(6):
        await handle(question(ANNE), DELIVERY)
    assert len(sender.requests) == 3  # 400, 800, 1200: the third overran, none after
    assert texts_to(published, ANNE) == [ANSWER, ANSWER, ANSWER, OVER_BUDGET[PERSON]]
    assert _sample("concierge_ai_token_budget_refusals_total", scope=PERSON) == refused + 3
    assert _sample("concierge_ai_token_budget_notices_total", scope=PERSON) == notices + 1
    await handle(question(BRUNO), DELIVERY)
    assert texts_to(published, BRUNO) == [ANSWER]
    assert len(sender.requests) == 4


async def test_a_greeting_needs_no_tokens_and_records_none() -> None:
    sender = CostlySender(tokens=400)
    budget = LocalTokenBudget(Limits(person=1000), clock=ManualClock(START))
    handle, published = responder(sender, budget)
    await handle(question(ANNE, "Bonjour"), DELIVERY)
    assert sender.requests == []
    assert (await budget.check(question(ANNE))).allowed
    assert len(texts_to(published, ANNE)) == 1
