"""The gateway's lean HTTP/1.1 transport to WAHA, against a scripted local server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from concierge_common.errors import DownstreamUnavailable
from concierge_devkit.ports import free_port
from gateway.waha_client import NoAnswer, WahaClient

Answer = Callable[[bytes, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[bool]]


def _json(body: bytes, *extra: bytes) -> bytes:
    head = [b"HTTP/1.1 201 Created", b"Content-Type: application/json", *extra]
    head.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(head) + b"\r\n\r\n" + body


class Server:
    """Reads each request (head and body) and lets ``answer`` reply; counts connections."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.connections = 0
        self.requests: list[bytes] = []
        self.port = free_port()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                if not await self.answer(request, reader, writer):
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


Start = Callable[[Answer], Awaitable[Server]]


@pytest.fixture
async def serve() -> AsyncIterator[Start]:
    servers: list[asyncio.Server] = []

    async def start(answer: Answer) -> Server:
        server = Server(answer)
        servers.append(await asyncio.start_server(server._serve, "127.0.0.1", server.port))
        return server

    yield start
    for server in servers:
        server.close()


async def test_requests_share_one_kept_alive_connection(serve: Start) -> None:
    async def answer(request: bytes, _r: asyncio.StreamReader, w: asyncio.StreamWriter) -> bool:
        w.write(_json(b'{"id": "true_1@c.us_ABC"}'))
        return True

    server = await serve(answer)
    client = WahaClient(server.url, "secret")
    for _ in range(3):
        assert await client.send_text("default", "1@c.us", "x") == "true_1@c.us_ABC"
    assert server.connections == 1
    first = server.requests[0]
    assert first.startswith(b"POST /api/sendText HTTP/1.1\r\n")
    assert b"\r\nx-api-key: secret\r\n" in first.lower()
    assert first.endswith(b'"linkPreview":false}')
    await client.aclose()


async def test_a_chunked_answer_and_a_closing_one_are_read_whole(serve: Start) -> None:
    async def answer(request: bytes, _r: asyncio.StreamReader, w: asyncio.StreamWriter) -> bool:
        if b"new-message-id" in request:
            w.write(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                b'5;x=y\r\n{"id"\r\n9\r\n: "ABC1"}\r\n0\r\n\r\n'
            )
            return True
        w.write(b'HTTP/1.1 201 Created\r\nConnection: close\r\n\r\n{"id": "true_2@c.us_Q"}')
        return False

    server = await serve(answer)
    client = WahaClient(server.url, "secret")
    assert await client.new_message_id("default") == "ABC1"
    assert await client.send_text("default", "2@c.us", "x") == "true_2@c.us_Q"
    assert await client.send_text("default", "2@c.us", "x") == "true_2@c.us_Q"
    assert server.connections == 2  # the closing answer ended its connection
    await client.aclose()


async def test_a_connection_the_server_closed_while_idle_is_not_reused(serve: Start) -> None:
    async def answer(request: bytes, _r: asyncio.StreamReader, w: asyncio.StreamWriter) -> bool:
        w.write(_json(b'{"id": "x"}'))
        await w.drain()
        return False  # closes without saying so

    server = await serve(answer)
    client = WahaClient(server.url, "secret")
    await client.send_text("default", "1@c.us", "x")
    await asyncio.sleep(0.05)  # the close reaches the client
    await client.send_text("default", "1@c.us", "x")
    assert server.connections == 2
    await client.aclose()


async def test_no_server_means_never_sent() -> None:
    client = WahaClient(f"http://127.0.0.1:{free_port()}", "secret")
    with pytest.raises(DownstreamUnavailable) as caught:
        await client.send_text("default", "1@c.us", "x")
    assert not isinstance(caught.value, NoAnswer)
    await client.aclose()


async def test_a_connection_dropped_after_the_request_leaves_it_in_doubt(serve: Start) -> None:
    async def answer(request: bytes, _r: asyncio.StreamReader, w: asyncio.StreamWriter) -> bool:
        return False

    server = await serve(answer)
    client = WahaClient(server.url, "secret")
    with pytest.raises(NoAnswer):
        await client.send_text("default", "1@c.us", "x")
    assert len(server.requests) == 1
    await client.aclose()


async def test_an_answer_that_never_comes_is_no_answer(serve: Start) -> None:
    async def answer(request: bytes, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(1)
        return False

    server = await serve(answer)
    client = WahaClient(server.url, "secret", timeout=0.1)
    with pytest.raises(NoAnswer):
        await client.send_text("default", "1@c.us", "x")
    await client.aclose()


async def test_a_malformed_answer_is_no_answer(serve: Start) -> None:
    async def answer(request: bytes, _r: asyncio.StreamReader, w: asyncio.StreamWriter) -> bool:
        w.write(b"SMTP ready\r\n\r\n")
        return True

    server = await serve(answer)
    client = WahaClient(server.url, "secret")
    with pytest.raises(NoAnswer):
        await client.send_text("default", "1@c.us", "x")
    await client.aclose()
