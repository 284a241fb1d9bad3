"""Does a NATS or Redis server answer at a URL? Speak the first words of each protocol."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from concierge_devkit.endpoints import Endpoint
from concierge_devkit.errors import DevkitError

log = logging.getLogger(__name__)


async def _exchange(where: Endpoint, send: bytes, timeout: float) -> bytes | None:
    """Connect, optionally send, read one line; ``None`` when nothing answers."""
    host = where.host or "127.0.0.1"
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, where.port), timeout)
    except (OSError, TimeoutError):
        return None
    try:
        if send:
            writer.write(send)
            await writer.drain()
        return await asyncio.wait_for(reader.readline(), timeout)
    except (OSError, TimeoutError):
        return b""
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def nats_answers(where: Endpoint, timeout: float = 2.0) -> bool:
    """True when a NATS server with JetStream answers; raise if it answers without JetStream."""
    line = await _exchange(where, b"", timeout)
    if line is None:
        return False
    if not line.startswith(b"INFO "):
        raise DevkitError(f"something answers at {where.host}:{where.port} but it is not NATS")
    try:
        info = json.loads(line[5:])
    except ValueError:
        info = {}
    if not info.get("jetstream"):
        raise DevkitError(
            f"the NATS server at {where.host}:{where.port} runs without JetStream; "
            "restart it with -js (the concierge needs JetStream)"
        )
    return True


async def redis_answers(where: Endpoint, timeout: float = 2.0) -> bool:
    """True when a Redis server answers PING (an auth error still means it answers)."""
    line = await _exchange(where, b"PING\r\n", timeout)
    if line is None:
        return False
    if line[:1] not in (b"+", b"-"):
        raise DevkitError(f"something answers at {where.host}:{where.port} but it is not Redis")
    return True
