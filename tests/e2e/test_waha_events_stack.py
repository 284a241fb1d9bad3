"""WAHA's events through the whole concierge: what is answered, what is only recorded,
and what a WAHA outage would have lost, recovered once from WAHA's history."""

from __future__ import annotations

import copy
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import asyncpg

from gateway import metrics
from support import fixtures
from support.conversation import texts_to, wait_for
from support.polling import HANG_GUARD, eventually
from support.settling import settled
from support.stack import Stack, running_stack

# Project fixtures the concierge answers, with the chat that gets the reply.
ANSWERED = {
    "message-text-webjs-inbound.json": "11111111111@c.us",
    "message-voice-ptt-noweb-constructed.json": "11111111111@c.us",
    "message-image-noweb.json": "79069571990@c.us",
}
SESSION = "default"


def _session_status(status: str) -> dict[str, Any]:
    now_ms = int(time.time() * 1000)
    return {
        "id": "evt_" + uuid.uuid4().hex[:26],
        "timestamp": now_ms,
        "event": "session.status",
        "session": SESSION,
        "me": None,
        "payload": {"name": SESSION, "status": status, "statuses": []},
        "engine": "WEBJS",
    }


def _receipt(name: str, **payload: Any) -> dict[str, Any]:
    body = fixtures.fresh(copy.deepcopy(fixtures.load(name)))
    body["payload"].update(payload)
    return body


def _recoveries(result: str) -> float:
    return float(metrics.RECOVERIES.labels(result)._value.get())


def _recovered(result: str) -> float:
    return float(metrics.RECOVERED_MESSAGES.labels(result)._value.get())


async def _until(condition: Callable[[], bool], stack: Stack) -> None:
    await wait_for(condition, HANG_GUARD, lambda: _sent_per_chat(stack))


async def _post(stack: Stack, body: dict[str, Any]) -> dict[str, Any]:
    response = await stack.post(body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def _reply_row(database_url: str, chat_reply_prefix: str) -> asyncpg.Record:
    async def find() -> asyncpg.Record | None:
        conn = await asyncpg.connect(database_url)
        try:
            row: asyncpg.Record | None = await conn.fetchrow(
                "SELECT provider_message_id, delivery_status, reaction FROM interactions"
                " WHERE direction = 'out' AND provider_message_id LIKE $1",
                chat_reply_prefix + "%",
            )
            return row
        finally:
            await conn.close()

    return await eventually(find)


async def _stored(database_url: str, key: str) -> None:
    async def find() -> bool:
        conn = await asyncpg.connect(database_url)
        try:
            query = "SELECT 1 FROM interactions WHERE provider_message_id = $1"
            return bool(await conn.fetchval(query, key))
        finally:
            await conn.close()

    await eventually(find)


async def test_every_project_fixture_is_answered_or_only_recorded_as_documented(
    env: dict[str, str],
) -> None:
    names = sorted(path.name for path in fixtures.FIXTURES.glob("*.json"))
    expected = Counter(ANSWERED.values())  # at least one reply per message
    async with running_stack(env) as stack:
        for name in ANSWERED:
            await _post(stack, fixtures.fresh(fixtures.load(name)))
        await _until(lambda: _sent_per_chat(stack) >= expected, stack)
        await settled(stack)  # a reply may come in several messages: all of them
        answered = _sent_per_chat(stack)
        assert set(answered) == set(expected)
        # The rest (a takeover from the phone among them, posted after the answers):
        # receipts, session statuses, own messages, groups, channels, status.
        for name in names:
            if name not in ANSWERED:
                await _post(stack, fixtures.fresh(fixtures.load(name)))
        await settled(stack)  # a session status may start a history recovery: it ended too
        assert _sent_per_chat(stack) == answered
        assert stack.waha.invalid == []


def _sent_per_chat(stack: Stack) -> Counter[str]:
    return Counter(str(r.body["chatId"]) for r in stack.waha.sent_texts)


async def test_the_persons_ack_and_reaction_end_on_the_reply_they_concern(
    env: dict[str, str], database_url: str
) -> None:
    chat = "33600000601@c.us"
    async with running_stack(env) as stack:
        await _post(stack, fixtures.text_message(chat, "Quels sont les horaires des messes ?"))
        await stack.waha.wait_for_texts(1, timeout=HANG_GUARD)
        row = await _reply_row(database_url, f"true_{chat}_")
        reply = row["provider_message_id"]
        ack = _receipt("message-ack-read-gows.json", id=reply, **{"from": chat})
        ack["id"] = "evt_" + uuid.uuid4().hex[:26]
        assert (await _post(stack, ack))["status"] == "accepted"
        reaction = _receipt(
            "message-reaction-webjs.json",
            id=f"false_{chat}_{uuid.uuid4().hex.upper()}",
            to=chat,
            participant=chat,
            reaction={"text": "❤️", "messageId": reply},
            **{"from": chat},
        )
        assert (await _post(stack, reaction))["status"] == "accepted"

        async def recorded() -> bool:
            current = await _reply_row(database_url, reply)
            return bool(current["delivery_status"] == "read" and current["reaction"] == "❤️")

        await eventually(recorded)
        await settled(stack)
        assert len(stack.waha.sent_texts) == 1  # receipts are never answered


async def test_an_outage_with_messages_only_in_waha_history_is_recovered_once(
    env: dict[str, str], database_url: str
) -> None:
    lost_chat, seen_chat = "33600000701@c.us", "33600000702@c.us"
    async with running_stack(env) as stack:
        # Answered through the webhook before the outage, and in WAHA's history too.
        seen = fixtures.text_message(seen_chat, "Quand est ouvert l'accueil ?")
        # Stamped when the person wrote it, before our reply (the fake stamps that one when
        # it is sent): stamped later, it would look unanswered whenever a second went by.
        written = int(time.time())
        await _post(stack, seen)
        await _until(lambda: bool(texts_to(stack, seen_chat)), stack)
        await _stored(database_url, f"{SESSION}:{seen['payload']['id']}")
        seen_payload = {**seen["payload"], "timestamp": written}
        stack.waha.add_history(seen_chat, seen_payload)

        await _post(stack, _session_status("STOPPED"))
        # Written while WAHA could not deliver it: only the history endpoint knows it.
        lost = fixtures.text_message(lost_chat, "Quels sont les horaires des messes ?")
        stack.waha.add_history(lost_chat, {**lost["payload"], "timestamp": int(time.time())})
        done, answered = _recoveries("done"), _recovered("answered")
        answer = await _post(stack, _session_status("WORKING"))
        assert answer == {"status": "accepted", "session_status": "WORKING"}

        await _until(lambda: bool(texts_to(stack, lost_chat)), stack)
        assert "messe" in texts_to(stack, lost_chat)[0].lower()
        await _until(lambda: _recoveries("done") >= done + 1, stack)
        # The webhook's message: our reply follows it in the chat, it is not replayed.
        assert _recovered("answered") == answered + 1

        # WORKING repeated, then another outage: nothing is answered twice.
        await _post(stack, _session_status("WORKING"))
        await _post(stack, _session_status("SCAN_QR_CODE"))
        await _post(stack, _session_status("WORKING"))
        await _until(lambda: _recoveries("done") >= done + 2, stack)
        await settled(stack)  # any recovery still running included
        assert len(texts_to(stack, lost_chat)) == 1
        assert len(texts_to(stack, seen_chat)) == 1
        assert _recoveries("done") == done + 2
        assert stack.waha.invalid == []
