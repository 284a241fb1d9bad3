"""Every WAHA webhook body we know of is handled as documented: answered or ignored.

The project's own copies live in tests/fixtures/waha. When the reference
folder ``../shared/waha-fixtures`` sits beside the repository, its bodies are
checked too, so a new upstream fixture without an expectation here fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from concierge_common.messages import MessageReceived
from gateway.normalize import Ignored, normalize, parse_envelope
from support.fixtures import FIXTURES

SHARED = Path(__file__).resolve().parents[3] / "shared" / "waha-fixtures"

# file -> ("answer", chat, kind, session) or ("ignore", reason)
EXPECTED: dict[str, tuple[str, ...]] = {
    "message-image-noweb.json": ("answer", "79069571990@c.us", "image", "chatwoot"),
    "message-voice-ptt-noweb-constructed.json": ("answer", "*", "audio", "default"),
    "message-text-webjs-inbound.json": ("answer", "11111111111@c.us", "text", "default"),
    "message-text-fromme-webjs.json": ("ignore", "own_message"),
    "message-group-minimal.json": ("ignore", "group"),
    "message-channel-newsletter-noweb.json": ("ignore", "channel"),
    "message-status-broadcast.json": ("ignore", "status"),
    "message-reaction-webjs.json": ("ignore", "not_a_message"),
    "message-ack-read-webjs.json": ("ignore", "not_a_message"),
    "message-ack-read-gows.json": ("ignore", "not_a_message"),
    "message-ack-group-read-noweb.json": ("ignore", "not_a_message"),
    "session-status-scan-qr-code-webjs.json": ("ignore", "not_a_message"),
    "session-status-working-webjs-normalized.json": ("ignore", "not_a_message"),
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
    assert isinstance(result, MessageReceived)
    _, chat, kind, session = expected
    payload = json.loads(path.read_bytes())["payload"]
    assert result.chat_id == (payload["from"] if chat == "*" else chat)
    assert result.kind == kind
    assert result.session == session
    assert result.provider_message_id == payload["id"]
    assert chat.split("@")[0] not in result.conversation_id


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.glob("*.json")))
def test_project_fixture_is_handled_as_documented(name: str) -> None:
    _check(FIXTURES / name)


def test_every_project_fixture_has_an_expectation() -> None:
    assert {path.name for path in FIXTURES.glob("*.json")} == set(EXPECTED)


@pytest.mark.skipif(not SHARED.is_dir(), reason="reference folder ../shared/waha-fixtures absent")
def test_reference_fixtures_conform() -> None:
    paths = sorted(SHARED.glob("*.json"))
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
