"""Partition leases: at most one replica of a service owns a partition at a time.

A lease is a key ``<service>.<partition>`` in a JetStream key-value bucket
whose ``max_age`` is the lease time (every NATS 2.9+ server has that; per-key
TTLs do not exist before 2.11). Every write is a compare-and-set on the key's
last revision, so two replicas can never both think they took or renewed the
same lease:

* **acquire**: create the key (nobody held it, or the holder's lease ran out)
  or overwrite a value left by a release (``free`` or ``free-unsettled``);
* **renew**: rewrite it, expecting the revision we wrote last; a mismatch
  means the lease ran out (this replica was paused longer than the lease) and
  somebody else may own the partition now: the partition is lost;
* **release**: once everything this replica held of the partition is settled,
  write ``free`` when nothing of it is left pending that is not already due
  again (each delivery was acked or handed back), ``free-unsettled`` when some
  may stay pending until their ack deadline (the replica was still waiting out
  a dead predecessor's deliveries, or an ack or a hand-back went unconfirmed).

A lease says who may fetch a partition; how it was taken says what may be left
of it. Over ``free`` (a clean hand-over) the new owner fetches at once: what the
last owner handed back is due again and comes back first. Otherwise (the key
ran out with a dead owner, never existed, or says ``free-unsettled``) deliveries
may still be pending until their ack deadline: the new owner asks the server
(:mod:`concierge_common.bus.consumer`) and lets them come back first, to keep
each conversation's order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

log = logging.getLogger(__name__)

FREE = b"free"
FREE_UNSETTLED = b"free-unsettled"
_RELEASED = (FREE, FREE_UNSETTLED)


@dataclass(frozen=True)
class Taken:
    """A lease just acquired: its revision, and whether the last owner handed it over cleanly.

    ``clean``: the last owner released it leaving nothing pending that is not
    already due again; the new owner need not wait for deliveries to come back.
    """

    revision: int
    clean: bool


class Leases:
    """Acquires, renews and releases one replica's partition leases of one service."""

    def __init__(self, kv: KeyValue, service: str, instance: str) -> None:
        self._kv = kv
        self._service = service
        self._held_value = f"held:{instance}".encode()

    def _key(self, partition: int) -> str:
        return f"{self._service}.{partition}"

    async def acquire(self, partition: int) -> Taken | None:
        """Take the lease if nobody holds it (how it was taken); None when somebody does."""
        key = self._key(partition)
        try:
            entry = await self._kv.get(key)
        except KeyNotFoundError:  # never held, expired, or deleted
            entry = None
        try:
            if entry is None:
                return Taken(await self._kv.create(key, self._held_value), clean=False)
            if entry.value in _RELEASED and entry.revision is not None:
                revision = await self._kv.update(key, self._held_value, last=entry.revision)
                return Taken(revision, clean=entry.value == FREE)
        except KeyWrongLastSequenceError:
            return None
        return None

    async def reclaim(self, partition: int) -> int | None:
        """Take back a lease that ran out while nobody else took it (its new revision).

        Only when the key is absent: a lease another replica holds, or freed after
        holding it, is not ours any more.
        """
        try:
            return await self._kv.create(self._key(partition), self._held_value)
        except KeyWrongLastSequenceError:
            return None

    async def renew(self, partition: int, revision: int) -> int | None:
        """The lease's new revision, or None when it was lost."""
        try:
            return await self._kv.update(self._key(partition), self._held_value, last=revision)
        except KeyWrongLastSequenceError:
            return None

    async def release(self, partition: int, revision: int, *, clean: bool) -> None:
        """Mark the partition free for the next owner; ``clean``: nothing is left pending
        that is not already due again (otherwise the next owner waits for it)."""
        value = FREE if clean else FREE_UNSETTLED
        try:
            await self._kv.update(self._key(partition), value, last=revision)
        except KeyWrongLastSequenceError:
            log.warning("lease already lost when released", extra={"partition": partition})
