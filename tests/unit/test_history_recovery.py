"""After a WAHA outage, people's messages only in WAHA's history are published once.

Against the WAHA fake (each request validated against WAHA's OpenAPI), an
ingest that collects what would be published and a store stand-in that knows
some WAHA ids.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from concierge_common.contracts.messages import MessageReceived
from concierge_common.errors import DownstreamUnavailable
from concierge_devkit.waha_fake import WahaFake
from gateway import metrics
from gateway.normalize import normalize, parse_envelope
from gateway.recovery import Recovery
from gateway.settings import GatewaySettings
from gateway.waha_client import WahaClient
from support.fixtures import text_message
from support.polling import HANG_GUARD

KEY = "test-conversation-key-of-at-least-32-bytes"
SESSION = "default"
NOW = 1_800_000_000.0
PERSON = "33611111111@c.us"
OTHER = "33622222222@c.us"
GROUP = "120363000000000009@g.us"


@dataclass
class Collected:
    """Stands in for :class:`gateway.ingest.Ingest`."""

    messages: list[MessageReceived] = field(default_factory=list)
    fail_next: int = 0

    async def message(self, message: MessageReceived) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise DownstreamUnavailable("bus down")
        self.messages.append(message)


@dataclass
class Store:
    """Stands in for :class:`gateway.recovery.KnownMessages`."""

    ids: set[str] = field(default_factory=set)
    asked: list[list[str]] = field(default_factory=list)

    async def known(self, session: str, provider_message_ids: Sequence[str]) -> set[str]:
        self.asked.append(list(provider_message_ids))
        return self.ids & set(provider_message_ids)


@dataclass
class Setup:
    waha: WahaFake
    ingest: Collected
    store: Store
    recovery: Recovery

    def person_wrote(self, chat: str, text: str, *, at: float, message_id: str) -> dict[str, Any]:
        """A message in WAHA's history, as ``GET .../messages`` gives it (a ``WAMessage``)."""
        item: dict[str, Any] = copy.deepcopy(text_message(chat, text, message_id=message_id))[
            "payload"
        ]
        item["timestamp"] = int(at)
        self.waha.add_history(chat, item)
        return item


def _settings() -> GatewaySettings:
    return GatewaySettings(
        nats_url="nats://127.0.0.1:1",
        conversation_id_key=KEY,
        waha_url="http://waha",
        waha_api_key="k" * 32,
        gateway_roles="outbound",
        gateway_recovery_max_age_seconds=3600,
    )


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    waha = WahaFake(api_key="k", session=SESSION)
    client = WahaClient("http://waha", "k", transport=httpx.ASGITransport(app=waha.app()))
    ingest, store = Collected(), Store()
    recovery = Recovery(
        client,
        ingest,  # type: ignore[arg-type]
        store,  # type: ignore[arg-type]
        _settings(),
        retry_delays=(0.01, 0.01),
        clock=lambda: NOW,
    )
    yield Setup(waha, ingest, store, recovery)
    await recovery.close()
    await client.aclose()
    assert waha.invalid == []


def _count(metric: Any, result: str) -> float:
    return float(metric.labels(result)._value.get())


async def test_unseen_messages_are_published_like_the_webhook_would_in_send_order(
    setup: Setup,
) -> None:
    later = setup.person_wrote(PERSON, "Et le samedi ?", at=NOW - 60, message_id="B")
    first = setup.person_wrote(OTHER, "Bonjour", at=NOW - 120, message_id="A")
    assert await setup.recovery.run(SESSION, since=NOW - 600) == 2
    published = setup.ingest.messages
    assert [m.provider_message_id for m in published] == [first["id"], later["id"]]
    webhook = normalize(
        parse_envelope(
            json.dumps({"event": "message", "session": SESSION, "payload": later}).encode()
        ),
        conversation_key=KEY,
        default_session=SESSION,
    )
    assert isinstance(webhook, MessageReceived)
    assert published[1].message_id == webhook.message_id  # the webhook's id: deduplicated
    assert published[1].conversation_id == webhook.conversation_id
    assert (published[1].via, published[1].text) == ("recovery", "Et le samedi ?")


async def test_messages_the_store_recorded_are_not_published_again(setup: Setup) -> None:
    seen = setup.person_wrote(PERSON, "Bonjour", at=NOW - 120, message_id="SEEN")
    setup.person_wrote(PERSON, "Vous êtes là ?", at=NOW - 60, message_id="LOST")
    setup.store.ids.add(seen["id"])
    known_before = _count(metrics.RECOVERED_MESSAGES, "known")
    assert await setup.recovery.run(SESSION, since=NOW - 600) == 1
    assert [m.text for m in setup.ingest.messages] == ["Vous êtes là ?"]
    assert _count(metrics.RECOVERED_MESSAGES, "known") == known_before + 1


async def test_own_messages_groups_and_old_ones_are_left_alone(setup: Setup) -> None:
    setup.person_wrote(PERSON, "Trop ancien", at=NOW - 7200, message_id="OLD")
    setup.person_wrote(GROUP, "Dans un groupe", at=NOW - 60, message_id="GRP")
    own = setup.person_wrote(PERSON, "Réponse du téléphone", at=NOW - 30, message_id="OWN")
    own.update({"fromMe": True, "id": f"true_{PERSON}_OWN"})
    quiet = setup.person_wrote(OTHER, "Hier", at=NOW - 5000, message_id="QUIET")
    assert await setup.recovery.run(SESSION, since=0.0) == 0  # bounded by the max age
    assert setup.ingest.messages == []
    read = {call.path["chatId"] for call in setup.waha.calls("chatMessages")}
    assert read == {PERSON}  # the group and the quiet chat are not even read
    assert quiet["id"] not in [value for asked in setup.store.asked for value in asked]
    assert setup.waha.calls("chatMessages")[0].query["downloadMedia"] == "true"


async def test_a_message_the_organisation_answered_since_is_not_recovered(setup: Setup) -> None:
    setup.person_wrote(PERSON, "Quand est la messe ?", at=NOW - 300, message_id="Q1")
    answer = setup.person_wrote(PERSON, "À 11h.", at=NOW - 200, message_id="R1")
    answer.update({"fromMe": True, "id": f"true_{PERSON}_R1"})
    setup.person_wrote(PERSON, "Et samedi ?", at=NOW - 100, message_id="Q2")
    answered = _count(metrics.RECOVERED_MESSAGES, "answered")
    assert await setup.recovery.run(SESSION, since=NOW - 600) == 1
    assert [m.text for m in setup.ingest.messages] == ["Et samedi ?"]
    assert _count(metrics.RECOVERED_MESSAGES, "answered") == answered + 1


async def test_a_busy_chat_is_read_from_its_newest_messages(setup: Setup) -> None:
    setup.person_wrote(PERSON, "Bonjour", at=NOW - 60, message_id="A")
    await setup.recovery.run(SESSION, since=NOW - 600)
    calls = setup.waha.calls("chatMessages")
    assert [call.query["sortOrder"] for call in calls] == ["desc"]


async def test_waha_not_ready_yet_is_retried_in_the_background(setup: Setup) -> None:
    setup.person_wrote(PERSON, "Bonjour", at=NOW - 60, message_id="A")
    setup.waha.fail_next(2, 422, {"error": "Session status is not as expected"}, endpoint=None)
    finished: list[float] = []

    async def done(started: float) -> None:
        finished.append(started)

    assert setup.recovery.start(SESSION, since=NOW - 600, done=done)
    await setup.recovery.wait(SESSION)
    assert [m.text for m in setup.ingest.messages] == ["Bonjour"]
    assert finished == [NOW]


async def test_a_recovery_that_keeps_failing_is_given_up(setup: Setup) -> None:
    setup.waha.fail_next(3, 503, endpoint="chatsOverview")
    failed_before = _count(metrics.RECOVERIES, "failed")
    finished: list[float] = []

    async def done(started: float) -> None:
        finished.append(started)

    setup.recovery.start(SESSION, since=NOW - 600, done=done)
    await setup.recovery.wait(SESSION)
    assert finished == []
    assert _count(metrics.RECOVERIES, "failed") == failed_before + 1


async def test_one_recovery_at_a_time_and_a_request_meanwhile_runs_it_once_more(
    setup: Setup,
) -> None:
    setup.person_wrote(PERSON, "Bonjour", at=NOW - 60, message_id="A")
    setup.waha.delay = 0.0
    gate = asyncio.Event()
    original = setup.ingest.message

    async def slow(message: MessageReceived) -> None:
        await gate.wait()
        await original(message)
        setup.store.ids.add(message.provider_message_id)  # the store recorded it

    setup.ingest.message = slow  # type: ignore[method-assign]
    assert setup.recovery.start(SESSION, since=NOW - 600)
    await setup.waha.wait_for("chatMessages", 1, timeout=HANG_GUARD)
    assert not setup.recovery.start(SESSION, since=NOW - 900)
    assert not setup.recovery.start(SESSION, since=NOW - 600)
    gate.set()
    await setup.recovery.wait(SESSION)
    assert len(setup.waha.calls("chatsOverview")) == 2  # once more, not twice more
    assert [m.text for m in setup.ingest.messages] == ["Bonjour"]
