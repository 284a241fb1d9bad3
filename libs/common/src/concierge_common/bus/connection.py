"""The NATS connection: unlimited reconnects, state in metrics and logs.

A service connects as its own NATS user (``NATS_USER`` / ``NATS_PASSWORD``, or a
``nats://user:password@host`` URL), whose permissions are its own subjects only
(:mod:`concierge_common.bus.permissions`); its replies then arrive under its own
inbox prefix, the only one it may subscribe to. Credentials are never logged.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

import nats
from nats.aio.client import Client as NATS

from concierge_common.bus import metrics
from concierge_common.bus.permissions import inbox_prefix

log = logging.getLogger(__name__)


def servers(url: str) -> list[str]:
    """``NATS_URL`` as the list of servers it names (a cluster's, comma-separated)."""
    return [part.strip() for part in url.split(",") if part.strip()]


def url_user(url: str) -> str:
    """The user named in the first server of ``url`` (``nats://user:pw@host``), else ""."""
    first = next(iter(servers(url)), "")
    return urlsplit(first).username or "" if "@" in first else ""


async def connect(
    url: str, service: str, *, attempts: int = 0, user: str = "", password: str = ""
) -> NATS:
    """Connect to NATS, retrying the first connection ``attempts`` times (0 = forever).

    ``user`` and ``password``: the NATS user to connect as (else the URL's, if any).
    Once connected, the client reconnects without limit (the library default
    gives up after about 60 attempts) and buffers publishes while it does.
    """
    credentials: dict[str, str] = {"user": user, "password": password} if user else {}
    gauge = metrics.BUS_CONNECTED.labels(service)
    client: list[NATS] = []

    async def on_disconnected() -> None:
        gauge.set(0)
        if client and (client[0].is_closed or client[0].is_draining):
            log.info("nats connection closed")  # our own shutdown, not an incident
        else:
            log.warning("nats disconnected")

    async def on_reconnected() -> None:
        gauge.set(1)
        log.info("nats reconnected")

    async def on_error(exc: Exception) -> None:
        log.warning("nats error: %s", type(exc).__name__)

    tries = 0
    while True:
        tries += 1
        try:
            nc = await nats.connect(
                servers=servers(url),
                name=service,
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.5,
                connect_timeout=2,
                allow_reconnect=True,
                disconnected_cb=on_disconnected,
                reconnected_cb=on_reconnected,
                error_cb=on_error,
                inbox_prefix=inbox_prefix(user or url_user(url)),
                **credentials,
            )
        except (TimeoutError, OSError, nats.errors.NoServersError) as exc:
            if attempts and tries >= attempts:
                raise
            log.warning("nats not reachable yet (%s), retrying", type(exc).__name__)
            await asyncio.sleep(min(0.2 * tries, 2.0))
            continue
        client.append(nc)
        gauge.set(1)
        return nc
