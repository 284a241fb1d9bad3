"""A lean HTTP/1.1 transport for httpx, for the gateway's calls to WAHA.

A reply makes five WAHA calls (seen, new id, typing on and off, the text). Through
httpx's default transport (httpcore, anyio, h11) each cost 0.7-0.9 ms of CPU, most of
the outbound sender's: the request head and body written in two sends, cancel scopes
and a readability poll of every idle connection per request. This transport keeps
httpx's client (URLs, headers, the JSON, the error classes :mod:`gateway.waha_client`
tells apart) and speaks plain HTTP/1.1 over asyncio streams: one write per request,
the answer read by ``content-length`` or ``chunked``.

What the WAHA client relies on is kept as httpcore does it:

* an error before any byte of the request was written is ``ConnectError`` or
  ``ConnectTimeout`` (the request never reached WAHA); one while writing is
  ``WriteError``/``WriteTimeout``, and one after is ``ReadTimeout``, ``ReadError``
  or ``RemoteProtocolError`` (WAHA may have seen it);
* the ``connect``, ``write`` and ``read`` timeouts of the request are applied;
* an idle connection is reused only if the server has not closed it, and for
  ``keepalive`` seconds at most after its last answer; an answer with
  ``Connection: close``, or without a length, ends the connection.

Plain ``http://`` only: anything else is ``UnsupportedProtocol`` (the WAHA client then
keeps httpx's default transport).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

_HEAD_LIMIT = 64 * 1024
_NO_BODY = frozenset({204, 304})


@dataclass(frozen=True)
class Timeouts:
    """Seconds allowed to connect, to write the request and to read the answer."""

    connect: float | None
    write: float | None
    read: float | None


@dataclass(eq=False)
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = 0.0

    def usable(self, now: float, keepalive: float) -> bool:
        return (
            now - self.idle_since <= keepalive
            and not self.reader.at_eof()
            and not self.writer.is_closing()
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class LeanTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 with keep-alive over asyncio streams (see the module's docstring)."""

    def __init__(self, *, keepalive: float) -> None:
        self._keepalive = keepalive
        self._idle: dict[tuple[str, int], list[_Connection]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme != "http":
            raise httpx.UnsupportedProtocol(f"lean transport: {url.scheme!r}", request=request)
        timeouts = request.extensions.get("timeout", {})
        where = (url.host, url.port or 80)
        wire = _head(request) + await request.aread()
        status, reason, headers, body = await self.exchange(
            where,
            wire,
            Timeouts(timeouts.get("connect"), timeouts.get("write"), timeouts.get("read")),
            request,
        )
        return httpx.Response(
            status,
            headers=headers,
            stream=httpx.ByteStream(body),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": reason},
        )

    async def exchange(
        self,
        where: tuple[str, int],
        wire: bytes,
        timeouts: Timeouts,
        request: httpx.Request | None = None,
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]], bytes]:
        """Write one whole request, read its answer: status, reason, headers and body."""
        connection = self._take(where) or await _open(where, timeouts.connect, request)
        try:
            await _write(connection, wire, timeouts.write, request)
            status, reason, headers, body, keep = await _read(
                connection.reader, request, timeouts.read
            )
        except BaseException:
            connection.close()
            raise
        if keep:
            connection.idle_since = time.monotonic()
            self._idle.setdefault(where, []).append(connection)
        else:
            connection.close()
        return status, reason, headers, body

    def _take(self, where: tuple[str, int]) -> _Connection | None:
        idle = self._idle.get(where)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if connection.usable(now, self._keepalive):
                return connection
            connection.close()
        return None

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()


class LeanClient:
    """Requests to one plain-HTTP server, without httpx's client around the transport.

    httpx's client costs more CPU per call than the transport (the URL merged
    and parsed again, the headers and cookies of every request and answer, the
    request and response models): the same call here writes a request head
    built once, and returns the status and the body. Errors are the
    transport's (httpx's classes, the ones :mod:`gateway.waha_client` tells apart).
    """

    def __init__(
        self, base_url: str, headers: dict[str, str], *, keepalive: float, timeouts: Timeouts
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"lean client: not a plain http URL: {parts.scheme!r}")
        self._where = (parts.hostname, parts.port or 80)
        self._prefix = parts.path.rstrip("/")
        fields = {"Host": parts.netloc, **headers}
        self._fields = "".join(f"{name}: {value}\r\n" for name, value in fields.items()).encode()
        self._timeouts = timeouts
        self._transport = LeanTransport(keepalive=keepalive)

    async def request(
        self, method: str, path: str, *, body: bytes | None = None, query: str = ""
    ) -> tuple[int, bytes]:
        """The status and the body of WAHA's answer to ``method path?query`` with ``body``."""
        target = self._prefix + path + (f"?{query}" if query else "")
        head = f"{method} {target} HTTP/1.1\r\n".encode() + self._fields
        if body is not None:
            head += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        wire = head + b"\r\n" + (body or b"")
        status, _, _, answer = await self._transport.exchange(self._where, wire, self._timeouts)
        return status, answer

    async def aclose(self) -> None:
        await self._transport.aclose()


def _head(request: httpx.Request) -> bytes:
    lines = [b"%s %s HTTP/1.1" % (request.method.encode("ascii"), request.url.raw_path)]
    lines += [name + b": " + value for name, value in request.headers.raw]
    return b"\r\n".join(lines) + b"\r\n\r\n"


async def _open(
    where: tuple[str, int], timeout: float | None, request: httpx.Request | None
) -> _Connection:
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(*where, limit=_HEAD_LIMIT)
    except TimeoutError:
        raise httpx.ConnectTimeout("connect timed out", request=request) from None
    except OSError as exc:
        raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
    return _Connection(reader, writer)


async def _write(
    connection: _Connection, wire: bytes, timeout: float | None, request: httpx.Request | None
) -> None:
    try:
        async with asyncio.timeout(timeout):
            connection.writer.write(wire)
            await connection.writer.drain()
    except TimeoutError:
        raise httpx.WriteTimeout("write timed out", request=request) from None
    except OSError as exc:
        raise httpx.WriteError(str(exc) or type(exc).__name__, request=request) from exc


async def _read(
    reader: asyncio.StreamReader, request: httpx.Request | None, timeout: float | None
) -> tuple[int, bytes, list[tuple[bytes, bytes]], bytes, bool]:
    """Status, reason, headers, body, and whether the connection may be reused."""
    try:
        async with asyncio.timeout(timeout):
            return await _response(reader)
    except TimeoutError:
        raise httpx.ReadTimeout("read timed out", request=request) from None
    except asyncio.IncompleteReadError as exc:
        raise httpx.RemoteProtocolError(
            "server disconnected without a complete answer", request=request
        ) from exc
    except (asyncio.LimitOverrunError, ValueError) as exc:
        raise httpx.RemoteProtocolError(f"malformed answer: {exc}", request=request) from exc
    except OSError as exc:
        raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc


async def _response(
    reader: asyncio.StreamReader,
) -> tuple[int, bytes, list[tuple[bytes, bytes]], bytes, bool]:
    while True:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head[:-4].split(b"\r\n")
        version, _, rest = lines[0].partition(b" ")
        code, _, reason = rest.partition(b" ")
        status = int(code)
        if not version.startswith(b"HTTP/1.") or not 100 <= status <= 999:
            raise ValueError("not an HTTP/1.x status line")
        if status >= 200 or status == 101:
            break  # 1xx informational answers come before the real one
    headers: list[tuple[bytes, bytes]] = []
    length: int | None = None
    chunked = False
    keep = version == b"HTTP/1.1"
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            raise ValueError("header line without a colon")
        value = value.strip()
        headers.append((name, value))
        lowered = name.strip().lower()
        if lowered == b"content-length":
            length = int(value)
        elif lowered == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif lowered == b"connection":
            tokens = value.lower()
            keep = b"close" not in tokens and (keep or b"keep-alive" in tokens)
    if status in _NO_BODY or 100 <= status < 200:
        body = b""
    elif chunked:
        body = await _chunks(reader)
    elif length is not None:
        body = await reader.readexactly(length)
    else:
        body = await reader.read()  # until the server closes
        keep = False
    return status, reason, headers, body, keep


async def _chunks(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        if await reader.readexactly(2) != b"\r\n":
            raise ValueError("chunk without its CRLF")
