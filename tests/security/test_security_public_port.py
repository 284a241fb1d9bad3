"""Issue 14 item 3: the public port reads no body past its limit and limits each source.

A body is refused while it arrives (``Content-Length`` too large: before a byte is
read; chunked: at the chunk that crosses the limit), on every route, by the app and
by the HTTP server; a source past its burst gets 429 with ``Retry-After`` while
other sources are served.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI, Request

from concierge_common.bus.health import HttpServer
from concierge_common.contracts.messages import MessageReceived
from gateway.source_limits import Buckets, SourceRate, client_address, source_of
from support.api import as_role
from support.edge_app import RecordingPublisher, edge_client, edge_settings, post_webhook
from support.fixtures import text_message

LIMIT = 4096


async def endless(chunk: bytes, counter: list[int]) -> AsyncIterator[bytes]:
    """A request body that never ends; ``counter[0]``: the chunks taken from it."""
    while True:
        counter[0] += 1
        yield chunk


async def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read() -> None:
    settings = edge_settings(GATEWAY_MAX_BODY_BYTES=str(LIMIT))
    taken = [0]
    async with edge_client(settings) as http:
        response = await http.post(
            "/webhook",
            content=endless(b"x" * 1024, taken),
            headers={"content-length": str(LIMIT + 1)},
        )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert taken[0] == 0  # not one chunk read


@pytest.mark.parametrize(
    ("method", "path", "role"),
    [
        ("POST", "/webhook", ""),
        ("POST", "/orchestrate", "channel"),
        ("PUT", "/sessions/00000000-0000-0000-0000-000000000000", "agent"),
        ("POST", "/nowhere", ""),
    ],
)
async def test_a_chunked_body_without_end_is_refused_at_the_limit_on_every_route(
    method: str, path: str, role: str
) -> None:
    settings = edge_settings(GATEWAY_MAX_BODY_BYTES=str(LIMIT))
    publisher = RecordingPublisher()
    taken = [0]
    headers = as_role(role) if role else {}
    async with edge_client(settings, publisher) as http:
        response = await http.request(
            method, path, content=endless(b"x" * 1024, taken), headers=headers
        )
    # 404 for an unknown route: nothing there reads a body at all.
    assert response.status_code == (404 if path == "/nowhere" else 413)
    assert taken[0] <= LIMIT // 1024 + 1  # read up to the limit, never past it
    assert publisher.published == []


async def test_the_http_server_itself_refuses_a_chunked_body_without_end() -> None:
    """Over a real socket: the 413 arrives while the client is still sending."""
    app = FastAPI()
    reached: list[int] = []

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        reached.append(len(await request.body()))
        return {"size": reached[-1]}

    server = HttpServer(app, "127.0.0.1", 0, max_body_bytes=64 * 1024)
    await server.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(
            b"POST /upload HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/octet-stream\r\n\r\n"
        )
        feeding = asyncio.create_task(_feed_for_ever(writer))
        status_line = await reader.readline()
        assert not feeding.done()  # the body never ended, yet the answer came
        feeding.cancel()
        assert status_line.startswith(b"HTTP/1.1 413")
        assert reached == []  # the handler never got a body
    finally:
        writer.close()
        await server.stop()


async def _feed_for_ever(writer: asyncio.StreamWriter) -> None:
    chunk = b"y" * 8192
    frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    try:
        while True:
            writer.write(frame)
            await writer.drain()
    except OSError:
        await asyncio.Event().wait()  # the server closed: wait to be cancelled


def _limited(burst: int, **overrides: str) -> dict[str, str]:
    # A token comes back every 1,000 s: within a test, a spent bucket stays spent.
    return {
        "GATEWAY_SOURCE_REQUESTS_PER_SECOND": "0.001",
        "GATEWAY_SOURCE_BURST": str(burst),
        **overrides,
    }


def _from(address: str) -> dict[str, str]:
    return {"x-forwarded-for": address}


async def test_a_source_past_its_burst_gets_429_while_others_are_served() -> None:
    settings = edge_settings(**_limited(3, GATEWAY_CLIENT_IP_HEADER="X-Forwarded-For"))
    publisher = RecordingPublisher()
    async with edge_client(settings, publisher) as http:
        answers = [(await http.get("/openapi.json", headers=_from("192.0.2.9"))).status_code]
        answers += [(await http.get("/docs", headers=_from("192.0.2.9"))).status_code]
        answers += [(await http.get("/health", headers=_from("192.0.2.9"))).status_code]
        refused = await post_webhook(
            http, text_message("33600000001@c.us", "Bonjour"), **_from("192.0.2.9")
        )
        other = await post_webhook(
            http, text_message("33600000002@c.us", "Bonjour"), **_from("192.0.2.10")
        )
    assert answers == [200, 200, 503]  # /health: nothing reports in this test
    assert refused.status_code == 429
    assert refused.headers["retry-after"].isdigit()
    assert other.status_code == 200
    [(_, published)] = publisher.published
    assert isinstance(published, MessageReceived)
    assert published.chat_id == "33600000002@c.us"


async def test_the_forwarded_header_is_ignored_unless_configured() -> None:
    """Without GATEWAY_CLIENT_IP_HEADER, a client cannot change source by writing one."""
    async with edge_client(edge_settings(**_limited(2))) as http:
        answers = [
            (await http.get("/openapi.json", headers=_from(f"192.0.2.{n}"))).status_code
            for n in range(3)
        ]
    assert answers == [200, 200, 429]


async def test_only_the_address_the_proxy_appended_counts() -> None:
    """Addresses before the last one are the client's own claims."""
    settings = edge_settings(**_limited(2, GATEWAY_CLIENT_IP_HEADER="X-Forwarded-For"))
    async with edge_client(settings) as http:
        answers = [
            (await http.get("/openapi.json", headers=_from(f"10.0.0.{n}, 192.0.2.9"))).status_code
            for n in range(3)
        ]
    assert answers == [200, 200, 429]


async def test_exempt_networks_are_not_limited() -> None:
    settings = edge_settings(**_limited(2, GATEWAY_RATE_LIMIT_EXEMPT="203.0.113.0/24"))
    async with edge_client(settings) as http:  # CLIENT is 203.0.113.7
        answers = {(await http.get("/openapi.json")).status_code for _ in range(5)}
    assert answers == {200}


def test_a_bucket_refills_at_its_rate_and_says_how_long_to_wait() -> None:
    now = [0.0]
    buckets = Buckets(SourceRate(per_second=2.0, burst=2), clock=lambda: now[0])
    assert [buckets.take("a"), buckets.take("a")] == [0.0, 0.0]
    assert buckets.take("a") == pytest.approx(0.5)
    now[0] = 0.5
    assert buckets.take("a") == 0.0


def test_ipv6_sources_count_per_64_and_forgotten_sources_are_bounded() -> None:
    first = ipaddress.ip_address("2001:db8:1:2::1")
    second = ipaddress.ip_address("2001:db8:1:2:ffff::9")
    assert source_of(first) == source_of(second) == "2001:db8:1:2::/64"
    buckets = Buckets(SourceRate(per_second=1.0, burst=1), max_sources=3, clock=lambda: 0.0)
    for n in range(100):
        buckets.take(f"192.0.2.{n}")
    assert len(buckets) == 3


def test_a_peer_without_a_parsable_address_shares_one_bucket() -> None:
    assert source_of(client_address({"type": "http", "client": None})) == "unknown"
