"""The session's last messages that ``session.open`` returned travel to ai with the turn,
unless there are none to tell or too many characters to carry on the bus."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from concierge_common.contracts import store_api as api
from concierge_common.contracts.messages import GenerateReply
from router.coalescer import Turn
from router.outbox import Outbox, carried
from support.router_fakes import RecordingPublisher, inbound

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def _said(text: str, direction: Literal["in", "out"] = "in") -> api.InteractionView:
    return api.InteractionView(direction=direction, text=text, origin="", created_at=NOW)


def _session(recent: list[api.InteractionView] | None) -> api.SessionView:
    return api.SessionView(
        id="s-1",
        user_id="u-1",
        service_id=None,
        status="active",
        state={},
        metadata={},
        created_at=NOW,
        last_activity_at=NOW,
        expires_at=NOW + timedelta(minutes=30),
        recent=recent,
    )


def test_a_history_within_the_limit_is_carried_whole() -> None:
    recent = [_said("Quand est la messe ?"), _said("Dimanche à 10 h 30.", "out")]
    assert carried(recent, max_chars=100) == recent


def test_a_history_over_the_limit_or_unknown_is_left_for_ai_to_ask() -> None:
    assert carried([_said("x" * 60), _said("y" * 60)], max_chars=100) is None
    assert carried(None, max_chars=100) is None
    assert carried([], max_chars=100) == []


async def test_the_turn_sent_to_ai_carries_the_history_session_open_returned() -> None:
    bus = RecordingPublisher()
    recent = [_said("Bonjour"), _said("Bonjour ! Que puis-je pour vous ?", "out")]
    message = inbound("Et les messes ?", "33612345678@c.us")
    await Outbox(bus).generate(Turn(message, ["Et les messes ?"]), "X", _session(recent), None)
    await Outbox(bus, history_chars=10).generate(
        Turn(message, ["Et les messes ?"]), "X", _session(recent), None
    )
    first, second = bus.of(GenerateReply)
    assert isinstance(first, GenerateReply)
    assert isinstance(second, GenerateReply)
    assert first.history == recent
    assert second.history is None
