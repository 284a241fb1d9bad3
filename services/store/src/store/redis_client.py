"""The store's Redis client: an erasure deletes the person's keys through it
(:mod:`store.redis_traces`). Nothing the store answers depends on Redis."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff


def connect(url: str, *, timeout_seconds: float = 1.0) -> Redis:
    """A Redis client that fails fast: an erasure must not wait long on a Redis that is
    away (what it would delete expires on its own).

    One immediate retry absorbs a pooled connection that Redis closed (a restart).
    """
    return Redis.from_url(
        url,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        retry=Retry(NoBackoff(), 1),
    )
