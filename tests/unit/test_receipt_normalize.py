"""Acks, reactions and session statuses from WAHA: recorded and counted, never answered."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from concierge_common import ids
from concierge_common.contracts.messages import ReceiptSeen
from concierge_common.errors import InvalidRequest
from gateway.normalize import Ignored, SessionStatusChange, normalize, parse_envelope
from gateway.receipts_normalize import metric_value
from support.fixtures import load

KEY = "conversation-key"
PERSON = "33611111111@c.us"
OWN = "33100000000@c.us"


def _normalize(body: dict[str, Any]) -> object:
    return normalize(
        parse_envelope(json.dumps(body).encode()), conversation_key=KEY, default_session="default"
    )


def _ack(**payload: Any) -> dict[str, Any]:
    body = copy.deepcopy(load("message-ack-read-webjs.json"))
    body["payload"].update(payload)
    return body


def _reaction(text: str, **payload: Any) -> dict[str, Any]:
    body = copy.deepcopy(load("message-reaction-webjs.json"))
    body["payload"]["reaction"]["text"] = text
    body["payload"].update(payload)
    return body


def test_an_ack_of_our_reply_names_the_persons_chat_and_the_reply() -> None:
    reply = f"true_{PERSON}_3EB0REPLY"
    result = _normalize(_ack(id=reply, **{"from": PERSON}))
    assert isinstance(result, ReceiptSeen)
    assert (result.kind, result.chat_id, result.target_provider_id) == ("ack", PERSON, reply)
    assert (result.ack, result.ack_name, result.from_me) == (3, "READ", True)
    assert result.conversation_id == ids.conversation_id(KEY, "default", PERSON)


def test_a_webjs_ack_with_our_own_id_in_from_takes_the_chat_from_to() -> None:
    body = _ack(id=f"true_{PERSON}_3EB0REPLY", to=PERSON, **{"from": OWN})
    body["me"] = {"id": OWN, "pushName": "Paroisse"}
    result = _normalize(body)
    assert isinstance(result, ReceiptSeen)
    assert result.chat_id == PERSON


def test_an_ack_naming_only_our_own_id_falls_back_to_the_serialized_id() -> None:
    body = _ack(id=f"true_{PERSON}_3EB0REPLY", to=None, **{"from": OWN})
    body["me"] = {"id": OWN}
    result = _normalize(body)
    assert isinstance(result, ReceiptSeen)
    assert result.chat_id == PERSON


def test_a_retried_ack_has_the_same_id_and_a_further_ack_a_new_one() -> None:
    read, again = _normalize(_ack()), _normalize({**_ack(), "id": "evt_01retry"})
    played = _normalize(_ack(ack=4, ackName="PLAYED"))
    assert isinstance(read, ReceiptSeen)
    assert isinstance(again, ReceiptSeen)
    assert isinstance(played, ReceiptSeen)
    assert read.message_id == again.message_id
    assert played.message_id != read.message_id


def test_an_ack_without_a_name_gets_it_from_its_level() -> None:
    body = _ack(ack=2)
    del body["payload"]["ackName"]
    result = _normalize(body)
    assert isinstance(result, ReceiptSeen)
    assert result.ack_name == "DEVICE"


def test_a_reaction_names_the_message_reacted_to() -> None:
    result = _normalize(load("message-reaction-webjs.json"))
    assert isinstance(result, ReceiptSeen)
    assert result.kind == "reaction"
    assert result.target_provider_id == "true_79111111@c.us_11111111111111111111111111111111"
    assert result.reaction == "🙏"
    assert result.from_me is True  # the person reacted to one of our messages
    assert result.seen_at == 1710481111.853


def test_a_removed_reaction_is_an_empty_one_with_its_own_id() -> None:
    added, removed = _normalize(_reaction("👍")), _normalize(_reaction(""))
    assert isinstance(added, ReceiptSeen)
    assert isinstance(removed, ReceiptSeen)
    assert removed.reaction == ""
    assert removed.message_id != added.message_id


def test_a_reaction_from_the_organisations_phone_is_ignored() -> None:
    assert _normalize(_reaction("👍", fromMe=True)) == Ignored("message.reaction", "own_reaction")


@pytest.mark.parametrize(
    ("chat", "reason"),
    [
        ("120363000000000009@g.us", "group"),
        ("120363000000000009@newsletter", "channel"),
        ("status@broadcast", "status"),
        ("1234567@broadcast", "broadcast"),
    ],
)
def test_receipts_outside_a_persons_chat_are_ignored(chat: str, reason: str) -> None:
    ack = _ack(id=f"true_{chat}_3EB0", **{"from": chat})
    assert _normalize(ack) == Ignored("message.ack", reason)
    reaction = _reaction("👍", id=f"false_{chat}_3EB1", to=chat, participant=None, **{"from": chat})
    assert _normalize(reaction) == Ignored("message.reaction", reason)


def test_per_participant_group_receipts_are_ignored() -> None:
    body = load("message-ack-group-read-noweb.json")
    body["event"] = "message.ack.group"
    assert _normalize(body) == Ignored("message.ack.group", "group_receipt")


def test_a_receipt_without_its_message_is_refused() -> None:
    body = _reaction("👍")
    del body["payload"]["reaction"]
    with pytest.raises(InvalidRequest) as caught:
        _normalize(body)
    assert caught.value.status == 422


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("ack", "READ", "read"),
        ("ack", "PLAYED", "played"),
        ("ack", "ERROR", "error"),
        ("ack", "UNKNOWN", "unknown"),
        ("reaction", "👍🏽", "positive"),
        ("reaction", "❤️", "positive"),
        ("reaction", "🙏", "positive"),
        ("reaction", "👎", "negative"),
        ("reaction", "😢", "negative"),
        ("reaction", "🍕", "other"),
        ("reaction", "", "removed"),
    ],
)
def test_receipt_metric_values_are_bounded(kind: str, value: str, expected: str) -> None:
    seen = ReceiptSeen(
        message_id="m",
        conversation_id="c",
        correlation_id="c",
        session="default",
        chat_id=PERSON,
        kind=kind,
        target_provider_id="t",
        ack_name=value if kind == "ack" else "",
        reaction=value if kind == "reaction" else "",
    )
    assert metric_value(seen) == expected


def test_session_status_lists_the_statuses_before_the_new_one() -> None:
    result = _normalize(load("session-status-working-webjs-normalized.json"))
    assert result == SessionStatusChange(
        session="default", status="WORKING", previous=("STOPPED", "STARTING"), at=1700000003.0
    )


def test_an_old_session_status_without_history_is_understood() -> None:
    result = _normalize(load("session-status-scan-qr-code-webjs.json"))
    assert result == SessionStatusChange(session="default2", status="SCAN_QR_CODE")


def test_a_session_status_without_status_is_refused() -> None:
    body = load("session-status-scan-qr-code-webjs.json")
    del body["payload"]["status"]
    with pytest.raises(InvalidRequest):
        _normalize(body)


@pytest.mark.parametrize("event", ["presence.update", "message.revoked", "call.received"])
def test_other_events_stay_ignored(event: str) -> None:
    assert _normalize({"event": event, "session": "default", "payload": {}}) == Ignored(
        event, "not_a_message"
    )
