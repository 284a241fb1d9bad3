"""Which replica of a service should own which partition: rendezvous hashing.

Every replica computes the same answer from the same list of live replicas,
without talking to the others: partition ``p`` goes to the replica with the
highest hash of ``(service, p, replica)``. When a replica joins, it takes
about ``1/n`` of the partitions, each from one of the others; when one leaves,
only its own partitions move. Two replicas that briefly disagree about the
list (one has not heard of a newcomer yet) may both want a partition: the
lease (:mod:`concierge_common.bus.leases`) decides, so the worst case is a
partition that moves a little later, never one owned twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def _weight(service: str, partition: int, replica: str) -> int:
    digest = hashlib.blake2b(f"{service}|{partition}|{replica}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def owner(service: str, partition: int, replicas: Iterable[str]) -> str:
    """The replica that should own ``partition`` among ``replicas`` (ties broken by id)."""
    candidates = sorted(replicas)
    if not candidates:
        raise ValueError("no replica to own a partition")
    return max(candidates, key=lambda replica: (_weight(service, partition, replica), replica))


def wanted(service: str, partitions: int, replicas: Iterable[str], me: str) -> frozenset[int]:
    """The partitions that ``me`` should own, ``me`` counted among ``replicas``."""
    everyone = frozenset(replicas) | {me}
    return frozenset(p for p in range(partitions) if owner(service, p, everyone) == me)
