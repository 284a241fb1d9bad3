"""The WAHA client tells a send WAHA never saw from one whose answer was lost."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from concierge_common.errors import DownstreamUnavailable
from gateway.waha_client import MAX_CONNECTIONS, NoAnswer, WahaClient


def _client(handler: httpx.MockTransport) -> WahaClient:
    return WahaClient("http://waha:3000/", "secret", transport=handler)


def _raising(error: type[httpx.TransportError]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("scripted", request=request)

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    "error", [httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteTimeout]
)
async def test_a_request_that_may_have_reached_waha_without_an_answer_is_no_answer(
    error: type[httpx.TransportError],
) -> None:
    client = _client(_raising(error))
    with pytest.raises(NoAnswer):
        await client.send_text("default", "1@c.us", "x")
    await client.aclose()


@pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
async def test_a_request_that_never_reached_waha_is_only_unavailable(
    error: type[httpx.TransportError],
) -> None:
    client = _client(_raising(error))
    with pytest.raises(DownstreamUnavailable) as caught:
        await client.send_text("default", "1@c.us", "x")
    assert not isinstance(caught.value, NoAnswer)
    await client.aclose()


@pytest.mark.parametrize(("status", "lost"), [(502, True), (504, True), (500, False), (422, False)])
async def test_only_a_proxys_502_or_504_leaves_the_answer_lost(status: int, lost: bool) -> None:
    client = _client(httpx.MockTransport(lambda request: httpx.Response(status, json={})))
    with pytest.raises(DownstreamUnavailable) as caught:
        await client.send_text("default", "1@c.us", "x")
    assert isinstance(caught.value, NoAnswer) is lost
    assert caught.value.status == status
    await client.aclose()


async def test_our_own_latest_messages_of_a_chat_can_be_listed() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[{"id": "true_1@c.us_A", "fromMe": True}])

    client = _client(httpx.MockTransport(handler))
    found = await client.chat_messages(
        "default", "1@c.us", since=100.5, limit=50, download_media=False, from_me=True
    )
    await client.aclose()
    assert found == [{"id": "true_1@c.us_A", "fromMe": True}]
    assert seen[0].url.raw_path.startswith(b"/api/default/chats/1%40c.us/messages?")
    assert dict(seen[0].url.params) == {
        "limit": "50",
        "sortBy": "timestamp",
        "sortOrder": "desc",
        "downloadMedia": "false",
        "filter.timestamp.gte": "100",
        "filter.fromMe": "true",
    }


async def test_a_request_waiting_for_a_free_slot_past_the_timeout_was_never_sent() -> None:
    release = asyncio.Event()
    reached = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal reached
        reached += 1
        await release.wait()
        return httpx.Response(201, json={"id": "x"})

    client = WahaClient(
        "http://waha:3000/", "secret", timeout=0.05, transport=httpx.MockTransport(handler)
    )
    busy = [
        asyncio.create_task(client.send_text("default", f"{n}@c.us", "x"))
        for n in range(MAX_CONNECTIONS)
    ]
    while reached < MAX_CONNECTIONS:
        await asyncio.sleep(0)
    with pytest.raises(DownstreamUnavailable) as caught:
        await client.send_text("default", "late@c.us", "x")
    assert not isinstance(caught.value, NoAnswer)
    assert reached == MAX_CONNECTIONS  # WAHA never saw the late one
    release.set()
    await asyncio.gather(*busy)
    await client.aclose()
