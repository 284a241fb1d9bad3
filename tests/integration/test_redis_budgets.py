"""The hourly budgets in Redis: shared by the replicas, atomic, namespaced, expiring."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from ai.token_budget import Limits as TokenLimits
from ai.token_budget import RedisTokenBudget
from router.budgets import CHANNEL, PERSON, Limits, RedisBudgets
from support.manual_clock import ManualClock
from support.router_fakes import inbound as message
from support.token_budgets import question

ANNE, BRUNO = "33611111111@c.us", "33622222222@c.us"
START = 1_764_064_800.0


def replica(redis: Redis, namespace: str, clock: ManualClock, **limits: int) -> RedisBudgets:
    return RedisBudgets(redis, Limits(**limits), key_prefix=f"{namespace}:", clock=clock)


async def test_two_replicas_share_a_persons_window(redis: Redis, namespace: str) -> None:
    clock = ManualClock(START)
    first, second = (replica(redis, namespace, clock, person=2) for _ in range(2))
    assert (await first.take(message("a", ANNE))).allowed
    assert (await second.take(message("b", ANNE))).allowed
    refused = await first.take(message("c", ANNE))
    assert (refused.allowed, refused.scope, refused.free_at) == (False, PERSON, START + 3600)
    assert refused.notify
    assert not (await second.take(message("d", ANNE))).notify  # told once, by either replica
    assert (await second.take(message("e", BRUNO))).allowed


async def test_concurrent_messages_never_overrun_the_budget(redis: Redis, namespace: str) -> None:
    limiter = replica(redis, namespace, ManualClock(START), person=5)
    verdicts = await asyncio.gather(*(limiter.take(message("x", ANNE)) for _ in range(40)))
    assert sum(verdict.allowed for verdict in verdicts) == 5
    assert sum(verdict.notify for verdict in verdicts) == 1


async def test_the_window_slides_and_a_redelivery_keeps_its_place(
    redis: Redis, namespace: str
) -> None:
    clock = ManualClock(START)
    limiter = replica(redis, namespace, clock, person=2, channel=100)
    first = message("a", ANNE)
    await limiter.take(first)
    clock.now += 900
    await limiter.take(message("b", ANNE))
    assert (await limiter.take(first)).allowed  # redelivered: the same place
    assert not (await limiter.take(message("c", ANNE))).allowed
    clock.now = START + 3600
    assert (await limiter.take(message("d", ANNE))).allowed
    assert not (await limiter.take(message("e", ANNE))).allowed


async def test_the_channel_window_counts_everyone(redis: Redis, namespace: str) -> None:
    limiter = replica(redis, namespace, ManualClock(START), person=10, channel=2)
    await limiter.take(message("a", ANNE))
    await limiter.take(message("b", BRUNO))
    assert (await limiter.take(message("c", "33633333333@c.us"))).scope == CHANNEL


async def test_keys_are_namespaced_and_expire(redis: Redis, namespace: str) -> None:
    limiter = replica(redis, namespace, ManualClock(START), person=1, channel=10)
    await limiter.take(message("a", ANNE))
    await limiter.take(message("b", ANNE))
    keys = sorted([key.decode() async for key in redis.scan_iter(match=f"{namespace}:*")])
    assert keys == [
        f"{namespace}:router:budget:channel:whatsapp:default",
        f"{namespace}:router:budget:notice:conv-{ANNE}",
        f"{namespace}:router:budget:person:conv-{ANNE}",
    ]
    for key in keys:
        assert 0 < await redis.pttl(key) <= 3_600_000


async def test_without_redis_each_replica_keeps_the_budget(namespace: str) -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        limiter = replica(unreachable, namespace, ManualClock(START), person=1)
        assert (await limiter.take(message("a", ANNE))).allowed
        assert (await limiter.take(message("b", ANNE))).scope == PERSON
    finally:
        await unreachable.aclose()


def tokens(redis: Redis, namespace: str, clock: ManualClock, **limits: int) -> RedisTokenBudget:
    return RedisTokenBudget(redis, TokenLimits(**limits), key_prefix=f"{namespace}:", clock=clock)


async def test_two_ai_replicas_share_the_token_counts(redis: Redis, namespace: str) -> None:
    clock = ManualClock(START)
    first, second = (tokens(redis, namespace, clock, person=1000, channel=5000) for _ in range(2))
    await first.record(question(ANNE), 600)
    assert (await second.check(question(ANNE))).allowed
    await second.record(question(ANNE), 600)
    spent = await first.check(question(ANNE))
    assert (spent.allowed, spent.scope, spent.notify) == (False, PERSON, True)
    assert not (await second.check(question(ANNE))).notify
    assert (await second.check(question(BRUNO))).allowed
    clock.now += 3600 + 300
    assert (await first.check(question(ANNE))).allowed


async def test_token_counts_are_namespaced_and_expire(redis: Redis, namespace: str) -> None:
    budget = tokens(redis, namespace, ManualClock(START), person=1000, channel=5000)
    await budget.record(question(ANNE), 10)
    keys = sorted([key.decode() async for key in redis.scan_iter(match=f"{namespace}:*")])
    assert keys == [
        f"{namespace}:ai:tokens:channel:whatsapp:default",
        f"{namespace}:ai:tokens:person:conv-{ANNE}",
    ]
    for key in keys:
        assert 0 < await redis.pttl(key) <= 3_900_000
