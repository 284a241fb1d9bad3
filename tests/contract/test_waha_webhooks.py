"""Every WAHA webhook body we know of is handled as documented: answered, a takeover
signal, a receipt or a session status (recorded and counted, never answered), or ignored.

The project's own copies live in tests/fixtures/waha. When
``WAHA_REFERENCE_FIXTURES`` names a folder of WAHA webhook bodies gathered
elsewhere (WAHA's docs, a captured session...), they are checked too: a body
without an expectation here fails, so none is copied in unexamined.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

from concierge_common import ids
from concierge_common.contracts.messages import MessageReceived, OperatorMessageSeen, ReceiptSeen
from gateway.normalize import Ignored, SessionStatusChange, normalize, parse_envelope
from support.fixtures import FIXTURES, load

REFERENCE = Path(os.environ.get("WAHA_REFERENCE_FIXTURES") or "/nonexistent")

# file -> ("answer", chat, kind, session), ("operator", chat), ("receipt", kind, chat, value),
# ("status", status, previous...) or ("ignore", reason)
EXPECTED: dict[str, tuple[str, ...]] = {
    "message-any-phone-reply-webjs-constructed.json": ("operator", "11111111111@c.us"),
    "message-any-phone-reply-noweb-constructed.json": ("operator", "33333333333@c.us"),
    "message-any-api-echo-webjs-constructed.json": ("ignore", "own_message"),
    "message-staff-group-noweb-constructed.json": ("ignore", "group"),
    "message-image-noweb.json": ("answer", "79069571990@c.us", "image", "chatwoot"),
    "message-voice-ptt-noweb-constructed.json": ("answer", "*", "audio", "default"),
    "message-text-webjs-inbound.json": ("answer", "11111111111@c.us", "text", "default"),
    "message-text-fromme-webjs.json": ("ignore", "own_message"),
    "message-group-minimal.json": ("ignore", "group"),
    "message-channel-newsletter-noweb.json": ("ignore", "channel"),
    "message-status-broadcast.json": ("ignore", "status"),
    "message-reaction-webjs.json": ("receipt", "reaction", "79111111@c.us", "🙏"),
    "message-ack-read-webjs.json": ("receipt", "ack", "11111111111@c.us", "READ"),
    "message-ack-read-gows.json": ("receipt", "ack", "11111111111@c.us", "READ"),
    "message-ack-group-read-noweb.json": ("ignore", "group"),
    "session-status-scan-qr-code-webjs.json": ("status", "SCAN_QR_CODE"),
    "session-status-working-webjs-normalized.json": ("status", "WORKING", "STOPPED", "STARTING"),
}


def _check(path: Path) -> None:
    assert path.name in EXPECTED, f"no expectation for {path.name}"
    expected = EXPECTED[path.name]
    result = normalize(
        parse_envelope(path.read_bytes()), conversation_key="k", default_session="default"
    )
    if expected[0] == "ignore":
        assert result == Ignored(json.loads(path.read_bytes())["event"], expected[1])
        return
    if expected[0] == "operator":
        assert isinstance(result, OperatorMessageSeen)
        assert result.chat_id == expected[1]
        return
    if expected[0] == "receipt":
        _check_receipt(path, result, expected)
        return
    if expected[0] == "status":
        assert isinstance(result, SessionStatusChange)
        assert (result.status, *result.previous) == expected[1:]
        return
    assert isinstance(result, MessageReceived)
    _, chat, kind, session = expected
    payload = json.loads(path.read_bytes())["payload"]
    assert result.chat_id == (payload["from"] if chat == "*" else chat)
    assert result.kind == kind
    assert result.session == session
    assert result.provider_message_id == payload["id"]
    assert chat.split("@")[0] not in result.conversation_id


def _check_receipt(path: Path, result: object, expected: tuple[str, ...]) -> None:
    _, kind, chat, value = expected
    payload = json.loads(path.read_bytes())["payload"]
    assert isinstance(result, ReceiptSeen)
    assert (result.kind, result.chat_id) == (kind, chat)
    assert result.conversation_id == ids.conversation_id("k", "default", chat)
    if kind == "ack":
        assert (result.ack_name, result.target_provider_id) == (value, payload["id"])
    else:
        target = payload["reaction"]["messageId"]
        assert (result.reaction, result.target_provider_id) == (value, target)


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.glob("*.json")))
def test_project_fixture_is_handled_as_documented(name: str) -> None:
    _check(FIXTURES / name)


def test_every_project_fixture_has_an_expectation() -> None:
    assert {path.name for path in FIXTURES.glob("*.json")} == set(EXPECTED)


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="WAHA_REFERENCE_FIXTURES names no folder")
def test_reference_fixtures_conform() -> None:
    paths = sorted(REFERENCE.glob("*.json"))
    assert paths
    for path in paths:
        _check(path)


def test_media_reference_is_kept_for_later_download() -> None:
    result = normalize(
        parse_envelope((FIXTURES / "message-voice-ptt-noweb-constructed.json").read_bytes()),
        conversation_key="k",
        default_session="default",
    )
    assert isinstance(result, MessageReceived)
    assert result.media is not None
    assert result.media.mimetype.startswith("audio/ogg")
    assert result.event_id.startswith("evt_")
    assert result.correlation_id == result.event_id


# --- the organisation's own messages: a human on the phone takes the conversation over ----

KEY = "conversation-key"
STAFF_GROUP = "120363000000000001@g.us"


def _normalize(body: dict[str, object], *, staff_chat_id: str = "") -> object:
    return normalize(
        parse_envelope(json.dumps(body).encode()),
        conversation_key=KEY,
        default_session="default",
        staff_chat_id=staff_chat_id,
    )


@pytest.mark.parametrize(
    ("name", "chat"),
    [
        ("message-any-phone-reply-webjs-constructed.json", "11111111111@c.us"),
        ("message-any-phone-reply-noweb-constructed.json", "33333333333@c.us"),
    ],
)
def test_phone_reply_is_an_operator_message_on_the_persons_conversation(
    name: str, chat: str
) -> None:
    body = load(name)
    result = _normalize(body)
    assert isinstance(result, OperatorMessageSeen)
    payload = body["payload"]
    assert result.chat_id == chat
    assert result.conversation_id == ids.conversation_id(KEY, "default", chat)
    assert result.session == "default"
    assert result.provider_message_id == payload["id"]
    assert result.text == payload["body"]
    assert result.sent_at == payload["timestamp"]
    assert result.event_id == body["id"]
    assert result.correlation_id == body["id"]


def test_phone_reply_lands_on_the_same_conversation_as_the_persons_messages() -> None:
    reply = _normalize(load("message-any-phone-reply-webjs-constructed.json"))
    inbound = _normalize(load("message-text-webjs-inbound.json"))
    assert isinstance(reply, OperatorMessageSeen)
    assert isinstance(inbound, MessageReceived)
    assert inbound.chat_id == reply.chat_id
    assert reply.conversation_id == inbound.conversation_id


def test_phone_reply_has_a_deterministic_id_of_its_own() -> None:
    body = load("message-any-phone-reply-webjs-constructed.json")
    first, again = _normalize(body), _normalize({**body, "id": "evt_01other"})
    assert isinstance(first, OperatorMessageSeen)
    assert isinstance(again, OperatorMessageSeen)
    assert first.message_id == again.message_id  # a retried webhook is the same message
    other = copy.deepcopy(body)
    other["payload"]["id"] = "true_11111111111@c.us_3EB0OTHER"
    moved = _normalize(other)
    assert isinstance(moved, OperatorMessageSeen)
    assert moved.message_id != first.message_id


@pytest.mark.parametrize("source", ["api", None, "unknown"])
def test_own_message_not_typed_on_the_phone_is_ignored(source: str | None) -> None:
    body = load("message-any-phone-reply-webjs-constructed.json")
    if source is None:
        del body["payload"]["source"]
    else:
        body["payload"]["source"] = source
    assert _normalize(body) == Ignored("message.any", "own_message")


def test_own_message_on_the_message_event_is_never_a_takeover() -> None:
    # ``message`` only carries others' messages; a fromMe there is a docs artifact.
    body = load("message-any-phone-reply-webjs-constructed.json")
    body["event"] = "message"
    assert _normalize(body) == Ignored("message", "own_message")


@pytest.mark.parametrize(
    ("chat", "reason"),
    [
        ("120363000000000009@g.us", "group"),
        ("status@broadcast", "status"),
        ("120363000000000009@newsletter", "channel"),
    ],
)
def test_phone_message_to_a_group_status_or_channel_is_no_takeover(chat: str, reason: str) -> None:
    for name in (
        "message-any-phone-reply-webjs-constructed.json",
        "message-any-phone-reply-noweb-constructed.json",
    ):
        body = load(name)
        payload = body["payload"]
        payload["id"] = f"true_{chat}_3EB0A1B2C3D4E5F6A7B8"
        payload["to" if "to" in payload else "from"] = chat
        assert _normalize(body) == Ignored("message.any", reason), name


def test_phone_message_to_the_staff_chat_is_no_takeover() -> None:
    body = load("message-any-phone-reply-webjs-constructed.json")
    staff = body["payload"]["to"]
    assert _normalize(body, staff_chat_id=staff) == Ignored("message.any", "own_message")
    body["payload"]["to"] = STAFF_GROUP
    assert _normalize(body, staff_chat_id=STAFF_GROUP) == Ignored("message.any", "group")


# --- the staff chat --------------------------------------------------------------------------


def test_staff_group_message_is_published_with_its_sender() -> None:
    body = load("message-staff-group-noweb-constructed.json")
    result = _normalize(body, staff_chat_id=STAFF_GROUP)
    assert isinstance(result, MessageReceived)
    assert result.chat_id == STAFF_GROUP
    assert result.sender_id == "44444444444@lid"
    assert result.conversation_id == ids.conversation_id(KEY, "default", STAFF_GROUP)
    assert result.text == "#H7K2P Bonjour, je m'en occupe."


def test_other_groups_stay_ignored_when_a_staff_chat_is_set() -> None:
    body = load("message-staff-group-noweb-constructed.json")
    other = "120363000000000009@g.us"
    assert _normalize(body, staff_chat_id=other) == Ignored("message", "group")
    assert _normalize(load("message-group-minimal.json"), staff_chat_id=STAFF_GROUP) == Ignored(
        "message", "group"
    )


def test_staff_chat_that_is_a_person_is_published_as_usual() -> None:
    staff = "11111111111@c.us"
    result = _normalize(load("message-text-webjs-inbound.json"), staff_chat_id=staff)
    assert isinstance(result, MessageReceived)
    assert result.chat_id == staff
    assert result.sender_id == staff
