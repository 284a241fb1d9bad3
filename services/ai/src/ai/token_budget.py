"""Claude tokens a person, and a channel, may spend an hour (issue 14, item 6).

The router bounds how many messages reach the assistant (``router.budgets``);
this bounds what they cost: every Claude request's tokens (its ``usage``:
input, output, cache reads and writes) are added to the person's (their
conversation id) and their channel's count of the last hour (the channel as
every budget names it: ``concierge_common.contracts.messages.channel_of``).
A turn whose person or channel has spent its budget is not sent to
Claude: the first such turn of the hour gets a polite notice, the next ones
nothing (:class:`ai.responder.Responder`). Usage is known only once Claude
replied, so a budget can be overrun by one turn's tokens, never more (a
person's turns are answered one after the other). The offline answerer costs
no tokens: only the message budgets bound it.

The counts live in Redis, shared by every ai replica, as counters of fixed
sub-windows (:data:`SLICES` per hour, a hash per person or channel, one field per
slice): tokens are amounts, not events, so adding one is a single ``HINCRBY``,
and a count holds at most :data:`SLICES` fields whatever the traffic. The hour
slides by slices (5 minutes), which is close enough for a budget. Each check
and each addition is one Lua script (atomic across replicas). When Redis cannot
be reached, this replica counts in memory (:class:`LocalTokenBudget`).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from concierge_common.contracts.messages import GenerateReply, channel_of

log = logging.getLogger(__name__)

PERSON, CHANNEL = "person", "channel"
HOUR = 3600.0
SLICES = 12


@dataclass(frozen=True)
class Limits:
    """Tokens an hour per person and per channel (0: unlimited)."""

    person: int = 0
    channel: int = 0
    window: float = HOUR

    @property
    def slice_seconds(self) -> float:
        return self.window / SLICES


@dataclass(frozen=True)
class Spent:
    """Whether the turn's budgets allow a request; ``scope`` names the spent one, and
    ``notify`` is set on its first refusal of the hour (for this person)."""

    allowed: bool
    scope: str = ""
    notify: bool = False


ALLOWED = Spent(True)


class TokenBudget(Protocol):
    async def check(self, turn: GenerateReply) -> Spent: ...

    async def record(self, turn: GenerateReply, tokens: int) -> None: ...


def _counts(limits: Limits, turn: GenerateReply) -> list[tuple[str, str, int]]:
    """(scope, key, limit) of each budget that is limited."""
    candidates = [
        (PERSON, f"person:{turn.conversation_id}", limits.person),
        (CHANNEL, f"channel:{channel_of(turn.inbound)}", limits.channel),
    ]
    return [count for count in candidates if count[2] > 0]


class LocalTokenBudget:
    """The counts in this process's memory (tests, and Redis's stand-in when it is down)."""

    def __init__(self, limits: Limits, *, clock: Callable[[], float] = time.time) -> None:
        self._limits = limits
        self._clock = clock
        self._slices: dict[str, dict[int, int]] = {}
        self._notified: dict[str, float] = {}

    async def check(self, turn: GenerateReply) -> Spent:
        now = self._clock()
        for scope, key, limit in _counts(self._limits, turn):
            if self._total(key, now) >= limit:
                return Spent(False, scope, self._notify(turn.conversation_id, now))
        return ALLOWED

    async def record(self, turn: GenerateReply, tokens: int) -> None:
        index = math.floor(self._clock() / self._limits.slice_seconds)
        for _, key, _ in _counts(self._limits, turn):
            slices = self._slices.setdefault(key, {})
            slices[index] = slices.get(index, 0) + tokens

    def _total(self, key: str, now: float) -> int:
        oldest = math.floor(now / self._limits.slice_seconds) - SLICES + 1
        slices = self._slices.get(key, {})
        for index in [index for index in slices if index < oldest]:
            del slices[index]
        return sum(slices.values())

    def _notify(self, conversation_id: str, now: float) -> bool:
        if self._notified.get(conversation_id, 0.0) > now:
            return False
        self._notified[conversation_id] = now + self._limits.window
        return True


# KEYS: the counts to check, then the person's notice key.
# ARGV: the current slice's index, slices an hour, the window in ms, then each limit.
# Returns {0}, or {index of the spent count, notify (0/1)}.
_CHECK = """
local current = tonumber(ARGV[1])
local slices = tonumber(ARGV[2])
local count = #KEYS - 1
for i = 1, count do
  local total = 0
  local fields = redis.call('HGETALL', KEYS[i])
  for f = 1, #fields, 2 do
    if tonumber(fields[f]) <= current - slices then
      redis.call('HDEL', KEYS[i], fields[f])
    else
      total = total + tonumber(fields[f + 1])
    end
  end
  if total >= tonumber(ARGV[3 + i]) then
    local notify = redis.call('SET', KEYS[count + 1], '1', 'NX', 'PX', ARGV[3])
    return {i, notify and 1 or 0}
  end
end
return {0}
"""

# KEYS: the counts. ARGV: the current slice's index, the tokens, the keys' lifetime in ms.
_RECORD = """
for i = 1, #KEYS do
  redis.call('HINCRBY', KEYS[i], ARGV[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[i], ARGV[3])
end
return 0
"""


class RedisTokenBudget:
    """:class:`TokenBudget` in Redis (shared by the replicas), in memory while Redis is down."""

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
        self._prefix = f"{key_prefix}ai:tokens:"
        self._clock = clock
        self._check = redis.register_script(_CHECK)
        self._record = redis.register_script(_RECORD)
        self._fallback = LocalTokenBudget(limits, clock=clock)

    async def check(self, turn: GenerateReply) -> Spent:
        counts = _counts(self._limits, turn)
        if not counts:
            return ALLOWED
        keys = [self._prefix + key for _, key, _ in counts]
        keys.append(f"{self._prefix}notice:{turn.conversation_id}")
        args: list[int] = [self._slice(), SLICES, math.ceil(self._limits.window * 1000)]
        args += [limit for _, _, limit in counts]
        try:
            result = await self._check(keys=keys, args=args)
        except RedisError as exc:
            log.warning("redis unavailable for token budgets: %s", type(exc).__name__)
            return await self._fallback.check(turn)
        if int(result[0]) == 0:
            return ALLOWED
        return Spent(False, counts[int(result[0]) - 1][0], bool(int(result[1])))

    async def record(self, turn: GenerateReply, tokens: int) -> None:
        counts = _counts(self._limits, turn)
        if not counts or tokens <= 0:
            return
        keys = [self._prefix + key for _, key, _ in counts]
        lifetime = math.ceil((self._limits.window + self._limits.slice_seconds) * 1000)
        try:
            await self._record(keys=keys, args=[self._slice(), tokens, lifetime])
        except RedisError as exc:
            log.warning("redis unavailable for token budgets: %s", type(exc).__name__)
            await self._fallback.record(turn, tokens)

    def _slice(self) -> int:
        return math.floor(self._clock() / self._limits.slice_seconds)
