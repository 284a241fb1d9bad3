"""The dev runner's WAHA webhooks: envelope shape, signature, and the gateway accepting them."""

from __future__ import annotations

import hashlib
import hmac
import json
import re

import pytest

from concierge_common.contracts.messages import MessageReceived
from concierge_devkit import webhook
from gateway.normalize import normalize, parse_envelope
from gateway.signature import verify

CHAT = "33612345678@c.us"


def test_event_id_is_evt_and_a_lower_case_ulid_ordered_by_time() -> None:
    first = webhook.event_id(1_700_000_000_000)
    later = webhook.event_id(1_700_000_000_001)
    assert re.fullmatch(r"evt_[0-9a-hjkmnp-tv-z]{26}", first)
    assert first[:14] < later[:14]


def test_message_event_follows_the_current_envelope() -> None:
    event = webhook.message_event(CHAT, "Bonjour", now=1_700_000_000.5)
    assert list(event) == [
        "id",
        "timestamp",
        "event",
        "session",
        "me",
        "payload",
        "engine",
        "environment",
    ]
    assert event["timestamp"] == 1_700_000_000_500
    assert event["event"] == "message"
    payload = event["payload"]
    assert re.fullmatch(rf"false_{re.escape(CHAT)}_[0-9A-F]{{32}}", payload["id"])
    assert payload["timestamp"] == 1_700_000_000
    assert payload["from"] == CHAT
    assert payload["fromMe"] is False
    assert payload["hasMedia"] is False
    assert payload["body"] == "Bonjour"


def test_each_event_has_its_own_ids() -> None:
    one = webhook.message_event(CHAT, "a")
    two = webhook.message_event(CHAT, "a")
    assert one["id"] != two["id"]
    assert one["payload"]["id"] != two["payload"]["id"]


def test_gateway_normalises_the_event_as_a_text_message_from_the_person() -> None:
    body = webhook.encode(webhook.message_event(CHAT, "horaires des messes ?"))
    result = normalize(parse_envelope(body), conversation_key="k", default_session="default")
    assert isinstance(result, MessageReceived)
    assert result.chat_id == CHAT
    assert result.kind == "text"
    assert result.text == "horaires des messes ?"


def test_signature_is_waha_hmac_sha512_hex_of_the_raw_body() -> None:
    body = webhook.encode(webhook.message_event(CHAT, "Bonjour é"))
    headers = webhook.headers("dev-key", body)
    expected = hmac.new(b"dev-key", body, hashlib.sha512).hexdigest()
    assert headers["x-webhook-hmac"] == expected
    assert headers["x-webhook-hmac-algorithm"] == "sha512"
    assert verify("dev-key", body, headers["x-webhook-hmac"], headers["x-webhook-hmac-algorithm"])
    assert json.loads(body)["payload"]["body"] == "Bonjour é"


def test_without_a_key_nothing_is_signed() -> None:
    headers = webhook.headers("", b"{}")
    assert "x-webhook-hmac" not in headers
    assert headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("33612345678", "33612345678@c.us"),
        ("+33 6 12 34 56 78", "33612345678@c.us"),
        ("123@lid", "123@lid"),
    ],
)
def test_chat_id_from_a_phone_number(given: str, expected: str) -> None:
    assert webhook.chat_id_for(given) == expected


def test_chat_id_refuses_what_is_not_a_number() -> None:
    with pytest.raises(ValueError, match="not a phone number"):
        webhook.chat_id_for("abc")
