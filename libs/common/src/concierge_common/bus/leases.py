"""Partition leases: at most one replica of a service owns a partition at a time.

A lease is a key ``<service>.<partition>`` in a JetStream key-value bucket
whose ``max_age`` is the lease time (every NATS 2.9+ server has that; per-key
TTLs do not exist before 2.11). Every write is a compare-and-set on the key's
last revision, so two replicas can never both think they took or renewed the
same lease:

* **acquire**: create the key (nobody held it, or the holder's lease ran out)
  or overwrite a ``free`` value left by a clean release;
* **renew**: rewrite it, expecting the revision we wrote last; a mismatch
  means the lease ran out (this replica was paused longer than the lease) and
  somebody else may own the partition now: the partition is lost;
* **release**: write ``free`` once everything this replica held of the
  partition is settled, so the next owner knows nothing is left pending.

A lease says who may fetch a partition, not what is left of it: deliveries a
dead owner held stay pending on the server until their ack deadline. The new
owner asks the server (:mod:`concierge_common.bus.consumer`) and lets them come
back first, to keep each conversation's order.
"""

from __future__ import annotations

import logging

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

log = logging.getLogger(__name__)

FREE = b"free"


class Leases:
    """Acquires, renews and releases one replica's partition leases of one service."""

    def __init__(self, kv: KeyValue, service: str, instance: str) -> None:
        self._kv = kv
        self._service = service
        self._held_value = f"held:{instance}".encode()

    def _key(self, partition: int) -> str:
        return f"{self._service}.{partition}"

    async def acquire(self, partition: int) -> int | None:
        """Take the lease if nobody holds it (its revision); None when somebody does."""
        key = self._key(partition)
        try:
            entry = await self._kv.get(key)
        except KeyNotFoundError:  # never held, expired, or deleted
            entry = None
        try:
            if entry is None:
                return await self._kv.create(key, self._held_value)
            if entry.value == FREE and entry.revision is not None:
                return await self._kv.update(key, self._held_value, last=entry.revision)
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

    async def release(self, partition: int, revision: int) -> None:
        """Mark the partition free for the next owner (nothing of it is pending here)."""
        try:
            await self._kv.update(self._key(partition), FREE, last=revision)
        except KeyWrongLastSequenceError:
            log.warning("lease already lost when released", extra={"partition": partition})
