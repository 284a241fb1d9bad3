"""A Redis read-through cache of sessions, in front of Postgres.

The router and the handoff service read a session on every turn; the cache
answers those reads without a query. Postgres stays the only truth: the cache
holds copies for a short TTL, every write path refreshes or drops them, and any
Redis failure is logged and treated as a miss, so losing Redis loses nothing.

Two rules keep a reader from putting back an outdated copy:

* writers (open, update) *overwrite* the entry after their transaction
  committed (:meth:`SessionCache.put`);
* readers only *add* an entry that is absent (:meth:`SessionCache.fill`), so a
  read that raced a write cannot replace the writer's newer copy.

What remains (a write whose refresh failed while Redis was unreachable, a
read that raced the expiry job's delete) is bounded by the short TTL.

Keys are namespaced like the bus: ``<namespace>:store:session:<id>`` holds the
msgspec-encoded :class:`SessionView`; ``<namespace>:store:user-session:<user_id>``
points at a person's open session, so that everything cached about a person
can be dropped at once (privacy erasure).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import msgspec
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from concierge_common.metrics import child
from concierge_common.store_api import SessionView
from store.metrics import SESSION_CACHE

log = logging.getLogger(__name__)

OPEN_STATUSES = frozenset({"active", "awaiting_input", "handoff"})

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(SessionView)


def connect(url: str, *, timeout_seconds: float = 1.0) -> Redis:
    """A Redis client that fails fast: the cache must never slow the store down much.

    One immediate retry absorbs a pooled connection that Redis closed (a restart);
    no backoff, because a miss is always an acceptable answer.
    """
    return Redis.from_url(
        url,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        retry=Retry(NoBackoff(), 1),
    )


class SessionCache:
    """Cached copies of sessions, keyed by session id, with a pointer per person."""

    def __init__(self, redis: Redis, *, namespace: str, ttl_seconds: int) -> None:
        self._redis = redis
        self._prefix = f"{namespace}:store:" if namespace else "store:"
        self._ttl = ttl_seconds

    def session_key(self, session_id: str) -> str:
        return f"{self._prefix}session:{session_id}"

    def user_key(self, user_id: str) -> str:
        return f"{self._prefix}user-session:{user_id}"

    async def get(self, session_id: str) -> SessionView | None:
        """The cached copy, or None (absent, unreadable, or Redis unavailable)."""
        try:
            raw = await self._redis.get(self.session_key(session_id))
        except RedisError as exc:
            self._failed("get", exc)
            return None
        if raw is None:
            child(SESSION_CACHE, "miss").inc()
            return None
        try:
            view = _decoder.decode(_as_bytes(raw))
        except (msgspec.DecodeError, msgspec.ValidationError):
            log.warning("unreadable session cache entry, ignored")
            child(SESSION_CACHE, "error").inc()
            return None
        child(SESSION_CACHE, "hit").inc()
        return view

    async def fill(self, view: SessionView) -> None:
        """Add ``view`` read from Postgres, unless a writer already cached a copy."""
        try:
            await self._redis.set(self.session_key(view.id), _encode(view), ex=self._ttl, nx=True)
        except RedisError as exc:
            self._failed("fill", exc)

    async def put(self, view: SessionView) -> None:
        """Replace the copy with ``view`` just committed, and point the person at it if open."""
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(self.session_key(view.id), _encode(view), ex=self._ttl)
                if view.status in OPEN_STATUSES:
                    pipe.set(self.user_key(view.user_id), view.id, ex=self._ttl)
                else:
                    pipe.delete(self.user_key(view.user_id))
                await pipe.execute()
        except RedisError as exc:
            self._failed("put", exc)

    async def invalidate(self, session_ids: Iterable[str]) -> None:
        """Drop the copies of ``session_ids`` (expired, erased)."""
        keys = [self.session_key(session_id) for session_id in session_ids]
        if not keys:
            return
        try:
            await self._redis.delete(*keys)
        except RedisError as exc:
            self._failed("invalidate", exc)

    async def invalidate_user(self, user_id: str) -> None:
        """Drop what is cached about a person: the pointer and the session it names."""
        try:
            pointed = await self._redis.getdel(self.user_key(user_id))
            if pointed is not None:
                await self._redis.delete(self.session_key(_as_bytes(pointed).decode()))
        except RedisError as exc:
            self._failed("invalidate_user", exc)

    async def invalidate_for_erasure(self, user_id: str, session_ids: list[str]) -> None:
        """After a person's data was erased: nothing about them may be served from here."""
        await self.invalidate_user(user_id)
        await self.invalidate(session_ids)

    @staticmethod
    def _failed(operation: str, exc: RedisError) -> None:
        child(SESSION_CACHE, "error").inc()
        log.warning("session cache %s failed, using postgres: %s", operation, type(exc).__name__)


def _encode(view: SessionView) -> bytes:
    # ``created`` describes one session.open call, not the session: never cache it.
    return _encoder.encode(msgspec.structs.replace(view, created=False))


def _as_bytes(value: bytes | str) -> bytes:
    # The client is built without decode_responses: replies are bytes (typed loosely).
    return value.encode() if isinstance(value, str) else value
