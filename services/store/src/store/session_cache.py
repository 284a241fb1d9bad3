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

A privacy erasure must not be undone by a copy written late: a session read or
written just before the erasure committed may be put or filled just after its
entries were dropped. So the erasure first marks the person as erased
(``<namespace>:store:erased-user:<user_id>``, kept well beyond the entries'
TTL) and then drops their entries; :meth:`SessionCache.put` and
:meth:`SessionCache.fill` write nothing for a marked person, checked in the
same Redis script as the write.

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

from concierge_common.contracts.store_api import SessionView
from concierge_common.metrics import child
from store.metrics import SESSION_CACHE

log = logging.getLogger(__name__)

OPEN_STATUSES = frozenset({"active", "awaiting_input", "handoff"})

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(SessionView)

# The erased-person marker outlives any entry written before it by this factor.
_ERASED_MARK_TTLS = 4
# KEYS: the person's erased marker, the session's entry, the person's pointer.
# ARGV: the encoded session, the TTL, the mode ("fill", "open", "ended"), the session id.
# A fill only adds an absent entry; a put of an open session points the person at it,
# a put of an ended one drops the pointer. Nothing is written for an erased person.
_WRITE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if ARGV[3] == 'fill' then
  if redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2], 'NX') then return 1 end
  return 0
end
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
if ARGV[3] == 'open' then
  redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[2])
else
  redis.call('DEL', KEYS[3])
end
return 1
"""


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
        self._write = redis.register_script(_WRITE)

    def session_key(self, session_id: str) -> str:
        return f"{self._prefix}session:{session_id}"

    def user_key(self, user_id: str) -> str:
        return f"{self._prefix}user-session:{user_id}"

    def erased_key(self, user_id: str) -> str:
        return f"{self._prefix}erased-user:{user_id}"

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
        """Add ``view`` read from Postgres, unless a writer already cached a copy (or the
        person was erased meanwhile)."""
        try:
            await self._store(view, "fill")
        except RedisError as exc:
            self._failed("fill", exc)

    async def put(self, view: SessionView) -> None:
        """Replace the copy with ``view`` just committed, and point the person at it if open
        (nothing for a person erased meanwhile)."""
        try:
            await self._store(view, "open" if view.status in OPEN_STATUSES else "ended")
        except RedisError as exc:
            self._failed("put", exc)

    async def _store(self, view: SessionView, mode: str) -> None:
        keys = [
            self.erased_key(view.user_id),
            self.session_key(view.id),
            self.user_key(view.user_id),
        ]
        await self._write(keys=keys, args=[_encode(view), self._ttl, mode, view.id])

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
        """After a person's data was erased: nothing about them may be served from here,
        nor be cached again by a write that was under way."""
        try:
            await self._redis.set(self.erased_key(user_id), b"1", ex=self._ttl * _ERASED_MARK_TTLS)
        except RedisError as exc:
            self._failed("mark_erased", exc)
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
