"""The send rate limits shared by every outbound replica through Redis."""

from __future__ import annotations

from redis.asyncio import Redis

from gateway.rate_limit import CHAT, GLOBAL, Limits, LocalWindows, RedisWindows


def windows(redis: Redis, namespace: str, limits: Limits) -> RedisWindows:
    return RedisWindows(redis, limits, key_prefix=f"{namespace}:", fallback=LocalWindows(limits))


async def test_two_replicas_share_a_chats_window(redis: Redis, namespace: str) -> None:
    limits = Limits(per_chat=2, per_number=100)
    first, second = windows(redis, namespace, limits), windows(redis, namespace, limits)
    assert (await first.take("conv-a")).allowed
    assert (await second.take("conv-a")).allowed
    refused = await first.take("conv-a")
    assert refused.scope == CHAT
    assert 55 < refused.wait <= 60
    assert (await second.take("conv-b")).allowed


async def test_the_global_window_counts_every_chat(redis: Redis, namespace: str) -> None:
    limiter = windows(redis, namespace, Limits(per_chat=5, per_number=2))
    assert (await limiter.take("conv-a")).allowed
    assert (await limiter.take("conv-b")).allowed
    assert (await limiter.take("conv-c")).scope == GLOBAL


async def test_a_refused_send_uses_no_room(redis: Redis, namespace: str) -> None:
    limiter = windows(redis, namespace, Limits(per_chat=1, per_number=2))
    assert (await limiter.take("conv-a")).allowed
    assert (await limiter.take("conv-a")).scope == CHAT
    assert (await limiter.take("conv-a")).scope == CHAT
    assert (await limiter.take("conv-b")).allowed


async def test_keys_are_namespaced_and_expire(redis: Redis, namespace: str) -> None:
    limiter = windows(redis, namespace, Limits(per_chat=3, per_number=3))
    await limiter.take("conv-a")
    keys = sorted([key.decode() async for key in redis.scan_iter(match=f"{namespace}:*")])
    assert keys == [f"{namespace}:gateway:rate:chat:conv-a", f"{namespace}:gateway:rate:global"]
    for key in keys:
        assert 0 < await redis.pttl(key) <= 60_000


async def test_without_redis_the_limits_hold_in_process(namespace: str) -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        limiter = windows(unreachable, namespace, Limits(per_chat=1, per_number=10))
        assert (await limiter.take("conv-a")).allowed
        assert (await limiter.take("conv-a")).scope == CHAT
    finally:
        await unreachable.aclose()
