"""Which replicas of a service are alive: presence announcements over core NATS.

Every replica announces itself on ``bus.v1.presence.<service>`` each period
and listens to the others. A replica not heard from for ``expiry`` seconds is
gone (a ``kill -9``); one that stops cleanly says so, and leaves at once. The
roster only steers who *should* own which partition
(:mod:`concierge_common.bus.assignment`); it never decides ownership alone: a
lost or late announcement moves a partition later, it cannot make two
replicas own it (:mod:`concierge_common.bus.leases` does that).

Core NATS rather than a key-value bucket: announcements are tiny, frequent and
worthless once old, subscriptions come back by themselves after a reconnect,
and listening needs no JetStream consumer per replica.
"""

from __future__ import annotations

import contextlib
import logging
import time

import msgspec
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from concierge_common.bus.topology import Topology

log = logging.getLogger(__name__)


class Presence(msgspec.Struct, frozen=True):
    """One announcement: ``instance`` is alive, or is leaving."""

    instance: str
    leaving: bool = False


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Presence)


class Roster:
    """The live replicas of one service, as heard by this replica."""

    def __init__(
        self, nc: NATS, topology: Topology, service: str, instance: str, *, expiry: float
    ) -> None:
        self._nc = nc
        self._subject = topology.presence_subject(service)
        self._instance = instance
        self._expiry = expiry
        self._seen: dict[str, float] = {}
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        self._subscription = await self._nc.subscribe(self._subject, cb=self._on_presence)
        await self.announce()

    async def announce(self) -> None:
        """Say that this replica is alive (each ownership tick calls this)."""
        with contextlib.suppress(Exception):  # a missed announcement only delays a move
            await self._nc.publish(self._subject, _encoder.encode(Presence(self._instance)))

    async def leave(self) -> None:
        """Say that this replica is stopping, then stop listening."""
        with contextlib.suppress(Exception):
            await self._nc.publish(
                self._subject, _encoder.encode(Presence(self._instance, leaving=True))
            )
            await self._nc.flush(timeout=2)
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()
            self._subscription = None

    def members(self) -> frozenset[str]:
        """The replicas heard from recently, this one included."""
        horizon = time.monotonic() - self._expiry
        for instance in [i for i, seen in self._seen.items() if seen < horizon]:
            del self._seen[instance]
        return frozenset(self._seen) | {self._instance}

    async def _on_presence(self, msg: Msg) -> None:
        try:
            presence = _decoder.decode(msg.data)
        except msgspec.DecodeError:
            log.warning("unreadable presence announcement ignored")
            return
        if presence.leaving:
            self._seen.pop(presence.instance, None)
        else:
            self._seen[presence.instance] = time.monotonic()
