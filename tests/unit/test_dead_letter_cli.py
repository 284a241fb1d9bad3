"""The dead-letter command's parsing and output, without a bus."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from concierge_common.bus.dead_letter_admin import DeadLetter
from concierge_common.bus.dead_letter_cli import format_letter, format_list
from concierge_devkit import cli


def _letter(error: str = "database exploded") -> DeadLetter:
    return DeadLetter(
        sequence=42,
        time=datetime(2026, 12, 4, 9, 30, tzinfo=UTC),
        service="store",
        flow="inbound",
        subject="chat.v1.inbound.3.ab12",
        attempts=5,
        error_type="RuntimeError",
        error=error,
        consumer="store-inbound-003",
        original_sequence=7,
        letter_id="dlq:CHAT:7:store-inbound-003",
        headers={"Concierge-Error": error},
        data=b'{"text": "Bonjour", "chat_id": "33611223344@c.us"}',
    )


def test_a_listed_letter_shows_what_to_decide_on_and_never_its_body() -> None:
    listed = format_list([_letter("x" * 200)])
    line = listed.splitlines()[1]
    for shown in ("42", "2026-12-04 09:30:00", "store", "inbound", "5", "chat.v1.inbound.3.ab12"):
        assert shown in line
    assert "RuntimeError: xxx" in line
    assert "x" * 100 not in line  # a long error is cut
    assert "Bonjour" not in listed
    assert "33611223344" not in listed
    assert listed.endswith("1 dead letter(s)\n")


def test_show_gives_the_body_and_the_headers() -> None:
    shown = format_letter(_letter())
    assert '"text": "Bonjour"' in shown
    assert "Concierge-Error: database exploded" in shown


def test_the_replay_id_is_the_same_for_every_replay_of_a_letter() -> None:
    assert _letter().replay_id == "replay:CHAT:7:store-inbound-003"


def test_the_kit_discards_nothing_without_confirmation(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NATS_URL", "nats://127.0.0.1:1")  # never reached
    assert cli.main(["dead-letters", "discard", "42"]) == 2
    assert "--yes" in capsys.readouterr().out
