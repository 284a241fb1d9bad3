"""A starting service's JetStream set-up, asked again while the API cannot answer yet.

Declaring streams, buckets and consumers goes through the JetStream API. A
three-node cluster that has just formed, or is electing a leader, answers it late
(nats-py gives up after its API timeout, 5 s) or with 503 (no leader yet); a
replicated stream's creation can take longer than the timeout on a busy machine
and still succeed. Those are not reasons for a service to die at start: the step
is asked again (each step is idempotent) for up to :data:`PATIENCE` seconds, after
which the error goes up and the service's supervisor restarts it. A configuration
error (:class:`concierge_common.errors.ConfigError`) or any other API error is
raised at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import nats.errors
from nats.js.errors import ServiceUnavailableError

log = logging.getLogger(__name__)

T = TypeVar("T")

PATIENCE = 60.0  # seconds
# The JetStream API's answers of a cluster not (yet) able to serve it.
NOT_YET = (nats.errors.TimeoutError, nats.errors.NoRespondersError, ServiceUnavailableError)


async def patiently(
    step: Callable[[], Awaitable[T]],
    what: str,
    *,
    patience: float = PATIENCE,
    pause: float = 0.5,
) -> T:
    """Run ``step``; while it fails with :data:`NOT_YET`, again after a growing pause."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    tries = 0
    while True:
        try:
            return await step()
        except NOT_YET as exc:
            tries += 1
            if loop.time() >= deadline:
                raise
            log.warning(
                "%s: the JetStream API did not answer (%s); trying again",
                what,
                type(exc).__name__,
                extra={"tries": tries},
            )
        await asyncio.sleep(min(pause * tries, 5.0))
