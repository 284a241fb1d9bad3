"""The webhook's HTTP contract: 401/4xx publish nothing, ignored events publish nothing."""

from __future__ import annotations

import nats
import pytest

from support import fixtures
from support.stack import Stack, running_stack


async def _published(stack: Stack) -> int:
    info = await stack.stream_info()
    return int(info.state.messages)


@pytest.fixture
async def gateway_only(env: dict[str, str]):  # type: ignore[no-untyped-def]
    async with running_stack(env, only=()) as stack:
        yield stack


async def test_wrong_hmac_is_401_and_publishes_nothing(gateway_only: Stack) -> None:
    body = fixtures.text_message("33600000010@c.us", "Bonjour")
    response = await gateway_only.post(body, signed=False, headers={"x-webhook-hmac": "00" * 64})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert await _published(gateway_only) == 0


async def test_missing_hmac_is_401(gateway_only: Stack) -> None:
    response = await gateway_only.post(fixtures.text_message("33600000011@c.us", "x"), signed=False)
    assert response.status_code == 401
    assert await _published(gateway_only) == 0


async def test_body_that_is_not_json_is_400_and_publishes_nothing(gateway_only: Stack) -> None:
    response = await gateway_only.post(b'{"event": "message", "payload": ')
    assert response.status_code == 400
    assert response.json()["detail"] == "body is not valid JSON"
    assert await _published(gateway_only) == 0


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[1, 2]", "shape"),
        (b'{"session": "default", "payload": {}}', "event"),
        (b'{"event": "message", "payload": null}', "payload"),
        (b'{"event": "message", "payload": {"body": "salut"}}', "'id' and 'from'"),
        (b'{"event": "message", "payload": {"id": 5, "from": "1@c.us"}}', "payload"),
    ],
)
async def test_unusable_webhook_is_422_and_publishes_nothing(
    gateway_only: Stack, body: bytes, reason: str
) -> None:
    response = await gateway_only.post(body)
    assert response.status_code == 422
    assert reason in response.json()["detail"]
    assert await _published(gateway_only) == 0


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("message-group-minimal.json", "group"),
        ("message-channel-newsletter-noweb.json", "channel"),
        ("message-status-broadcast.json", "status"),
        ("message-text-fromme-webjs.json", "own_message"),
        ("message-ack-group-read-noweb.json", "group"),
    ],
)
async def test_events_a_bot_must_ignore_get_200_and_publish_nothing(
    gateway_only: Stack, name: str, reason: str
) -> None:
    response = await gateway_only.post(fixtures.load(name))
    assert response.status_code == 200
    assert response.json() == {"status": "ignored", "reason": reason}
    assert await _published(gateway_only) == 0


async def test_receipts_go_to_the_sent_flow_and_session_statuses_publish_nothing(
    gateway_only: Stack,
) -> None:
    for name in ("message-reaction-webjs.json", "message-ack-read-gows.json"):
        response = await gateway_only.post(fixtures.load(name))
        assert response.status_code == 200
        assert response.json() == {"status": "accepted", "duplicate": False}
    response = await gateway_only.post(fixtures.load("session-status-scan-qr-code-webjs.json"))
    assert response.json() == {"status": "accepted", "session_status": "SCAN_QR_CODE"}
    assert await _published(gateway_only) == 2
    nc = await nats.connect(gateway_only.env["NATS_URL"])
    try:
        info = await nc.jetstream().stream_info(gateway_only.topology.stream, subjects_filter=">")
    finally:
        await nc.close()
    flows = {subject.split("chat.v1.")[-1].split(".")[0] for subject in info.state.subjects or {}}
    assert flows == {"sent"}


async def test_accepted_message_is_stored_once_in_the_stream(gateway_only: Stack) -> None:
    body = fixtures.text_message("33600000012@c.us", "Bonjour")
    first = await gateway_only.post(body)
    second = await gateway_only.post(body)
    assert (first.status_code, second.status_code) == (200, 200)
    assert await _published(gateway_only) == 1
