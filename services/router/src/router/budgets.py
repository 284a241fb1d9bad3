"""Inbound message budgets: how many messages a person, and a channel, may send an hour.

One person could otherwise make the assistant answer a message every few
seconds for hours. Before a turn is decided, each message of a person takes
room in two sliding one-hour windows: the person's own (their conversation id)
and their channel's (a WAHA session, or an API caller's token subject:
``concierge_common.contracts.messages.channel_of``). A message that finds
either window full is refused: it is not
answered (the store still records it, from its own consumer of ``inbound``).
A refused message takes no room, so a flood is cut to the budget and the
person is answered again as soon as their oldest message of the hour leaves
the window. The first refusal of a window also says whether to tell the
person (``notify``): one notice an hour, never one per message.

While a human owns the conversation, the person's messages are relayed to
staff, not to the assistant: they count in a window of their own (``relay``,
per person), so a flood towards the staff chat is bounded too.

The windows live in Redis, shared by every router replica: a sorted set per
window, one member per message (its id, scored with its time), checked and
taken in one Lua script (atomic: two replicas never both take the last
place). A sorted set rather than counters of fixed sub-windows: the window
slides exactly, a redelivered message (same id) never takes a second place,
the time its oldest member leaves is when room frees up (told to the person),
and it holds at most ``limit`` members (refused messages are not added).
When Redis cannot be reached, each replica keeps the same windows in
memory (:class:`LocalBudgets`): the budgets then hold per replica.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from concierge_common.contracts.messages import MessageReceived, channel_of

log = logging.getLogger(__name__)

PERSON, CHANNEL, RELAY = "person", "channel", "relay"
HOUR = 3600.0


@dataclass(frozen=True)
class Limits:
    """Messages an hour (0: unlimited) per person, per channel, and relayed per person."""

    person: int = 0
    channel: int = 0
    relay: int = 0
    window: float = HOUR


@dataclass(frozen=True)
class Verdict:
    """A message's place: ``scope`` names the full window when refused; ``free_at`` is
    when room frees up in it (Unix seconds); ``notify`` on the window's first refusal."""

    allowed: bool
    scope: str = ""
    free_at: float = 0.0
    notify: bool = False


ALLOWED = Verdict(True)


class Budgets(Protocol):
    async def take(self, message: MessageReceived, *, relayed: bool = False) -> Verdict: ...


@dataclass(frozen=True)
class _Window:
    scope: str
    key: str
    limit: int


def _windows(limits: Limits, message: MessageReceived, relayed: bool) -> list[_Window]:
    if relayed:
        candidates = [_Window(RELAY, f"relay:{message.conversation_id}", limits.relay)]
    else:
        candidates = [
            _Window(PERSON, f"person:{message.conversation_id}", limits.person),
            _Window(CHANNEL, f"channel:{channel_of(message)}", limits.channel),
        ]
    return [window for window in candidates if window.limit > 0]


class LocalBudgets:
    """The windows in this process's memory (tests, and Redis's stand-in when it is down)."""

    def __init__(self, limits: Limits, *, clock: Callable[[], float] = time.time) -> None:
        self._limits = limits
        self._clock = clock
        self._taken: dict[str, deque[tuple[float, str]]] = {}
        self._notified: dict[str, float] = {}  # conversation id -> end of its notice's window

    async def take(self, message: MessageReceived, *, relayed: bool = False) -> Verdict:
        now = self._clock()
        windows = _windows(self._limits, message, relayed)
        for window in windows:
            taken = self._current(window.key, now)
            if len(taken) >= window.limit and not _holds(taken, message.message_id):
                free_at = taken[0][0] + self._limits.window
                return Verdict(False, window.scope, free_at, self._notify(message, now))
        for window in windows:
            taken = self._taken.setdefault(window.key, deque())
            if not _holds(taken, message.message_id):
                taken.append((now, message.message_id))
        return ALLOWED

    def _current(self, key: str, now: float) -> deque[tuple[float, str]]:
        taken = self._taken.setdefault(key, deque())
        while taken and taken[0][0] <= now - self._limits.window:
            taken.popleft()
        return taken

    def _notify(self, message: MessageReceived, now: float) -> bool:
        if self._notified.get(message.conversation_id, 0.0) > now:
            return False
        self._notified[message.conversation_id] = now + self._limits.window
        return True


def _holds(taken: deque[tuple[float, str]], message_id: str) -> bool:
    return any(member == message_id for _, member in taken)


# KEYS: the windows to take a place in, then the person's notice key.
# ARGV: now, window (seconds), the message id, then each window's limit.
# Returns {0} when the message took its place in every window, else
# {index of the full window, when its oldest member leaves (string), notify (0/1)}.
_TAKE = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local member = ARGV[3]
local count = #KEYS - 1
for i = 1, count do
  local limit = tonumber(ARGV[3 + i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  if not redis.call('ZSCORE', KEYS[i], member) and redis.call('ZCARD', KEYS[i]) >= limit then
    local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
    local notify = redis.call('SET', KEYS[count + 1], '1', 'NX', 'PX', math.ceil(window * 1000))
    return {i, tostring(tonumber(oldest[2]) + window), notify and 1 or 0}
  end
end
for i = 1, count do
  redis.call('ZADD', KEYS[i], 'NX', now, member)
  redis.call('PEXPIRE', KEYS[i], math.ceil(window * 1000))
end
return {0}
"""


class RedisBudgets:
    """:class:`Budgets` in Redis (shared by the replicas), in memory while Redis is down."""

    def __init__(
        self,
        redis: Redis,
        limits: Limits,
        *,
        key_prefix: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._limits = limits
        self._prefix = f"{key_prefix}router:budget:"
        self._clock = clock
        self._script = redis.register_script(_TAKE)
        self._fallback = LocalBudgets(limits, clock=clock)

    async def take(self, message: MessageReceived, *, relayed: bool = False) -> Verdict:
        windows = _windows(self._limits, message, relayed)
        if not windows:
            return ALLOWED
        keys = [self._prefix + window.key for window in windows]
        keys.append(f"{self._prefix}notice:{message.conversation_id}")
        args: list[str | float] = [self._clock(), self._limits.window, message.message_id]
        args += [window.limit for window in windows]
        try:
            result = await self._script(keys=keys, args=args)
        except RedisError as exc:
            log.warning("redis unavailable for message budgets: %s", type(exc).__name__)
            return await self._fallback.take(message, relayed=relayed)
        if int(result[0]) == 0:
            return ALLOWED
        full = windows[int(result[0]) - 1]
        return Verdict(False, full.scope, float(result[1]), bool(int(result[2])))


class NoBudgets:
    """Every message allowed (all limits 0)."""

    async def take(self, message: MessageReceived, *, relayed: bool = False) -> Verdict:
        return ALLOWED
