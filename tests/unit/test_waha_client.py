"""The WAHA client against an in-process transport: request shape and error mapping."""

from __future__ import annotations

import json

import httpx
import pytest

from concierge_common.errors import DownstreamRejected, DownstreamUnavailable
from gateway.waha_client import WahaClient


def _client(handler: httpx.MockTransport) -> WahaClient:
    return WahaClient("http://waha:3000/", "secret", transport=handler)


async def test_send_text_posts_the_documented_body_with_the_api_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"id": {"_serialized": "true_1@c.us_ABC"}})

    client = _client(httpx.MockTransport(handler))
    assert await client.send_text("default", "1@c.us", "Bonjour") == "true_1@c.us_ABC"
    await client.aclose()
    request = seen[0]
    assert request.url == "http://waha:3000/api/sendText"
    assert request.headers["x-api-key"] == "secret"
    assert json.loads(request.content) == {
        "session": "default",
        "chatId": "1@c.us",
        "text": "Bonjour",
        "linkPreview": False,
    }


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"id": "true_1@c.us_GOWS"}, "true_1@c.us_GOWS"),
        ({"key": {"id": "NOWEBID", "remoteJid": "1@s.whatsapp.net"}}, "NOWEBID"),
        ({"unexpected": True}, ""),
    ],
)
async def test_sent_message_id_is_read_from_each_engine_shape(
    answer: dict[str, object], expected: str
) -> None:
    client = _client(httpx.MockTransport(lambda request: httpx.Response(201, json=answer)))
    assert await client.send_text("default", "1@c.us", "x") == expected
    await client.aclose()


@pytest.mark.parametrize("status", [422, 429, 500, 502, 503])
async def test_transient_statuses_are_retryable(status: int) -> None:
    client = _client(httpx.MockTransport(lambda request: httpx.Response(status, json={})))
    with pytest.raises(DownstreamUnavailable) as caught:
        await client.send_text("default", "1@c.us", "x")
    assert caught.value.status == status
    await client.aclose()


@pytest.mark.parametrize("status", [400, 401, 404, 463])
async def test_permanent_statuses_are_not_retried(status: int) -> None:
    client = _client(httpx.MockTransport(lambda request: httpx.Response(status, json={})))
    with pytest.raises(DownstreamRejected):
        await client.send_text("default", "1@c.us", "x")
    await client.aclose()


async def test_no_answer_is_retryable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("no route", request=request)

    client = _client(httpx.MockTransport(handler))
    with pytest.raises(DownstreamUnavailable):
        await client.send_text("default", "1@c.us", "x")
    await client.aclose()
