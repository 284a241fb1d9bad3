"""A TCP proxy in front of a real server, to play the server going away and coming back.

:func:`proxied` listens on a free local port and forwards every connection to
the upstream (PostgreSQL, for the store's outage tests). The test then:

* :meth:`TcpProxy.refuse` - stops listening: a new connection is refused by the
  kernel, as when PostgreSQL is down or closed to new connections;
* :meth:`TcpProxy.cut` - resets every open connection, as when the server
  restarts or a failover drops the clients;
* :meth:`TcpProxy.accept` - listens again on the same port: the server is back.

``opened`` counts the connections forwarded so far, so that a test can wait for
a reconnection instead of sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

_CHUNK = 65536


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to ``upstream``; can refuse new and cut open connections."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0
        self.opened = 0

    @property
    def accepting(self) -> bool:
        return self._server is not None

    async def accept(self) -> None:
        """Listen (again, on the same port once it has one)."""
        if self._server is None:
            self._server = await asyncio.start_server(self._forward, "127.0.0.1", self.port)
            self.port = self._server.sockets[0].getsockname()[1]

    async def refuse(self) -> None:
        """Stop listening: new connections are refused; open ones are left alone."""
        if self._server is not None:
            self._server.close()
            self._server = None

    def cut(self) -> None:
        """Reset every open connection, both sides."""
        for writer in list(self._writers):
            writer.transport.abort()

    async def close(self) -> None:
        await self.refuse()
        self.cut()
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._upstream)
        except OSError:
            writer.transport.abort()
            return
        self.opened += 1
        self._writers.update((writer, up_writer))
        pipes = (
            asyncio.create_task(_pump(reader, up_writer)),
            asyncio.create_task(_pump(up_reader, writer)),
        )
        self._pipes.update(pipes)
        try:
            # One direction ending (EOF, reset) ends the connection in both.
            await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pipe in pipes:
                pipe.cancel()
            await asyncio.gather(*pipes, return_exceptions=True)
            self._pipes.difference_update(pipes)
            for side in (writer, up_writer):
                side.transport.abort()
                self._writers.discard(side)


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()


@contextlib.asynccontextmanager
async def proxied(url: str) -> AsyncIterator[tuple[TcpProxy, str]]:
    """A proxy in front of the server of ``url`` (host and port), and ``url`` through it."""
    parts = urlsplit(url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    await proxy.accept()
    userinfo, _, _ = parts.netloc.rpartition("@")
    netloc = f"{userinfo}@127.0.0.1:{proxy.port}" if userinfo else f"127.0.0.1:{proxy.port}"
    try:
        yield proxy, parts._replace(netloc=netloc).geturl()
    finally:
        await proxy.close()
