"""A bus namespace's streams and key-value buckets, removed when a run, a test or an eval ends.

Every developer run, evaluation and test uses a namespace of its own on a shared
NATS server; :func:`forget_namespace` deletes what it created there. What is
already gone is fine, and the un-namespaced production names are never touched.
"""

from __future__ import annotations

import asyncio
import contextlib

import nats
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from concierge_common.bus.connection import servers
from concierge_common.bus.topology import Topology
from concierge_devkit.errors import DevkitError


def buckets(topology: Topology) -> tuple[str, ...]:
    """Every key-value bucket the services create in ``topology``'s namespace."""
    return (
        topology.sent_bucket,
        topology.waha_bucket,
        topology.lid_bucket,
        topology.meta_bucket,
        topology.lease_bucket,
        topology.health_bucket,
    )


async def delete_namespace(js: JetStreamContext, namespace: str) -> None:
    """Delete the namespace's streams and buckets through ``js``."""
    if not namespace:
        raise DevkitError("refusing to delete the un-namespaced (production) streams")
    topology = Topology(namespace, 1)
    for stream in (topology.stream, topology.dlq_stream):
        with contextlib.suppress(NotFoundError):
            await js.delete_stream(stream)
    for bucket in buckets(topology):
        with contextlib.suppress(NotFoundError):
            await js.delete_key_value(bucket)


async def forget_namespace(nats_url: str, namespace: str, *, connect_timeout: float = 5.0) -> None:
    """Connect to ``nats_url`` and delete the namespace's streams and buckets."""
    client = await asyncio.wait_for(
        nats.connect(servers(nats_url), max_reconnect_attempts=0, connect_timeout=3),
        connect_timeout,
    )
    try:
        await delete_namespace(client.jetstream(), namespace)
    finally:
        await client.close()
