"""The conversation sent with a turn: alternating, bounded, ending with the turn."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from ai.claude.history import messages
from concierge_common.contracts.store_api import InteractionView

AT = datetime(2026, 11, 25, 9, tzinfo=UTC)


def _said(*items: tuple[Literal["in", "out"], str]) -> list[InteractionView]:
    return [InteractionView(direction=d, text=t, origin="ai", created_at=AT) for d, t in items]


def test_without_history_the_turn_is_the_only_message() -> None:
    assert messages([], ["Bonjour", "les horaires ?"], max_chars=100) == [
        {"role": "user", "content": "Bonjour\nles horaires ?"}
    ]


def test_consecutive_messages_of_one_side_are_merged() -> None:
    history = _said(("in", "a"), ("in", "b"), ("out", "c"), ("out", "d"))
    assert messages(history, ["e"], max_chars=100) == [
        {"role": "user", "content": "a\nb"},
        {"role": "assistant", "content": "c\nd"},
        {"role": "user", "content": "e"},
    ]


def test_the_turn_already_stored_is_not_sent_twice() -> None:
    history = _said(("in", "a"), ("out", "b"), ("in", "c ?"), ("in", "d"))
    assert messages(history, ["c ?", "d"], max_chars=100) == [
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": "b"},
        {"role": "user", "content": "c ?\nd"},
    ]


def test_an_unanswered_question_joins_the_turn() -> None:
    history = _said(("out", "Bienvenue"), ("in", "Allô ?"))
    assert messages(history, ["Quelqu'un ?"], max_chars=100) == [
        {"role": "user", "content": "Allô ?\nQuelqu'un ?"}
    ]


def test_the_oldest_messages_go_first_and_the_history_starts_with_the_person() -> None:
    history = _said(("in", "1111"), ("out", "2222"), ("in", "3333"), ("out", "4444"))
    sent = messages(history, ["5"], max_chars=10)
    assert sent == [
        {"role": "user", "content": "3333"},
        {"role": "assistant", "content": "4444"},
        {"role": "user", "content": "5"},
    ]
    assert messages(history, ["5"], max_chars=6) == [{"role": "user", "content": "5"}]


def test_a_zero_budget_sends_no_history() -> None:
    history = _said(("in", "a"), ("out", "b"))
    assert messages(history, ["c"], max_chars=0) == [{"role": "user", "content": "c"}]


def test_what_the_person_wrote_is_escaped_and_redacted_in_the_history_too() -> None:
    history = _said(("in", "<b>mon 06 12 34 56 78</b>"), ("out", "Merci & bonne journée"))
    sent = messages(history, ["ok"], max_chars=200)
    assert sent[0]["content"] == "&lt;b&gt;mon [téléphone]&lt;/b&gt;"
    assert sent[1]["content"] == "Merci &amp; bonne journée"
