"""The console's live updates: a change is never lost between a page's rendering and its
event stream, and each event says what the page now shows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from fastapi import Request

from concierge_common.contracts.store_api import HandoffView, InteractionView
from gateway.console import live
from gateway.console.context import Console
from gateway.console.live_state import conversation_digest, queue_digest

AT = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)


@dataclass
class ReadsThenLeaves:
    """A browser connected for ``reads`` reads of the page's state."""

    reads: int
    asked: int = 0

    async def is_disconnected(self) -> bool:
        self.asked += 1
        return self.asked > self.reads


@dataclass
class Scripted:
    """What the page shows at each read."""

    digests: Iterator[str]
    seen: list[str] = field(default_factory=list)

    async def __call__(self, console: Any, handoff: Any) -> str:
        value = next(self.digests)
        self.seen.append(value)
        return value


@dataclass(frozen=True)
class Polling:
    poll_seconds: float = 0.0


async def events(monkeypatch: pytest.MonkeyPatch, digests: list[str], since: str) -> list[str]:
    monkeypatch.setattr(live, "digest", Scripted(iter(digests)))
    request = cast(Request, ReadsThenLeaves(len(digests)))
    stream = live.changes(request, cast(Console, Polling()), uuid.uuid4(), since)
    return [chunk async for chunk in stream if "changed" in chunk]


async def test_a_change_made_before_the_stream_started_is_sent_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent = await events(monkeypatch, ["after-the-reply", "after-the-reply"], "as-drawn")
    assert sent == ["id: after-the-reply\nevent: changed\ndata: {}\n\n"]


async def test_nothing_is_sent_while_the_page_shows_what_there_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert await events(monkeypatch, ["as-drawn", "as-drawn"], "as-drawn") == []


async def test_without_a_starting_point_the_first_read_is_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent = await events(monkeypatch, ["a", "a", "b"], "")
    assert sent == ["id: b\nevent: changed\ndata: {}\n\n"]


def handoff(**changes: Any) -> HandoffView:
    fields: dict[str, Any] = {
        "id": "h1",
        "reference": "H7K2P",
        "conversation_id": "c1",
        "user_id": "u1",
        "session_id": "s1",
        "wa_session": "default",
        "chat_id": "33600000000@c.us",
        "state": "active",
        "reason": "",
        "requested_by": "person",
        "summary": "",
        "assigned_to": None,
        "created_at": AT,
        "updated_at": AT,
        "first_staff_reply_at": None,
        "last_person_at": None,
        "last_staff_at": None,
        "notice_sent_at": None,
        "ended_at": None,
    }
    return HandoffView(**{**fields, **changes})


def test_a_recorded_reply_changes_the_conversations_digest() -> None:
    asked = InteractionView(direction="in", text="Bonjour", origin="", created_at=AT)
    answered = InteractionView(direction="out", text="Bonjour !", origin="staff", created_at=AT)
    before = conversation_digest(handoff(), [asked])
    assert conversation_digest(handoff(), [asked]) == before
    assert conversation_digest(handoff(), [asked, answered]) != before
    assert conversation_digest(handoff(state="closed"), [asked]) != before


def test_the_queues_digest_follows_who_took_a_handoff() -> None:
    assert queue_digest([handoff()]) != queue_digest([handoff(assigned_to="Anne")])
    assert queue_digest([]) == queue_digest([])
