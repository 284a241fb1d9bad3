"""The services' Redis client: a bounded pool whose callers queue for a connection.

redis-py's default asyncio pool opens at most 100 connections and then *fails*
(``MaxConnectionsError``): with hundreds of conversations handled at once, a
router or ai replica asks for more than that and sheds Redis work it should only
have delayed. A blocking pool makes a caller wait (up to ``wait_seconds``) for a
connection instead, so the pool bounds Redis's load without turning a burst
into errors.
"""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis

MAX_CONNECTIONS = 64  # per process: Redis answers each command in microseconds


def connect(
    url: str,
    *,
    timeout_seconds: float = 2.0,
    max_connections: int = MAX_CONNECTIONS,
    wait_seconds: float = 5.0,
) -> Redis:
    """A client of ``url`` with at most ``max_connections``; a command that finds none
    free waits up to ``wait_seconds``, then fails like an unreachable Redis."""
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=wait_seconds,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
    )
    return Redis(connection_pool=pool)
