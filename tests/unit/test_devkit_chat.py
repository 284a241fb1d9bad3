"""The scripted chat and the line reader, with the gateway replaced by an httpx transport."""

from __future__ import annotations

import asyncio
import io
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx
import pytest

from concierge_devkit.chat import ScriptTiming, format_reply, scripted, send_line
from concierge_devkit.console import _read_raw_line
from concierge_devkit.conversation import Conversation, Reply
from concierge_devkit.errors import DevkitError
from concierge_devkit.settling import Barrier
from concierge_devkit.waha_fake import Recorded

PERSON = "33612345678@c.us"
STAFF = "33100000001@c.us"
QUICK = ScriptTiming(answer_timeout=2.0, quiet_seconds=0.3)


def conversation_answering(answer: bool) -> tuple[Conversation, list[dict[str, object]]]:
    """A conversation whose 'gateway' accepts each webhook and, if asked, answers at once."""
    received: list[dict[str, object]] = []
    holder: list[Conversation] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        event = json.loads(request.content)
        received.append(event)
        if answer:
            body = {"session": "default", "chatId": PERSON, "text": "réponse"}
            holder[0].on_send(Recorded("sendText", {}, body))
        return httpx.Response(200, json={"status": "accepted", "duplicate": False})

    http = httpx.AsyncClient(transport=httpx.MockTransport(gateway))
    conversation = Conversation(
        http, webhook_url="http://gateway/webhook", hmac_key="k", chat_id=PERSON
    )
    holder.append(conversation)
    return conversation, received


async def test_scripted_prints_each_line_and_its_answer() -> None:
    conversation, received = conversation_answering(True)
    out = io.StringIO()
    assert await scripted(conversation, ["Bonjour", "horaires ?"], QUICK, out=out) == 0
    assert out.getvalue().splitlines() == [
        "you> Bonjour",
        "concierge> réponse",
        "you> horaires ?",
        "concierge> réponse",
    ]
    assert [event["payload"]["body"] for event in received] == ["Bonjour", "horaires ?"]  # type: ignore[index]
    assert conversation.sent == conversation.answered == 2


async def test_scripted_fails_when_no_answer_comes() -> None:
    conversation, _ = conversation_answering(False)
    out = io.StringIO()
    timing = ScriptTiming(answer_timeout=0.3, quiet_seconds=0.3)
    assert await scripted(conversation, ["Bonjour"], timing, out=out) == 1
    assert "(no answer within 0.3 s)" in out.getvalue()


async def test_replies_to_another_chat_do_not_count_as_the_answer() -> None:
    conversation, _ = conversation_answering(False)
    conversation.on_send(Recorded("sendText", {}, {"chatId": "staff@c.us", "text": "alerte"}))
    out = io.StringIO()
    timing = ScriptTiming(answer_timeout=0.3, quiet_seconds=0.3)
    assert await scripted(conversation, ["Bonjour"], timing, out=out) == 1
    assert "concierge (to staff@c.us)> alerte" in out.getvalue()


def test_raw_line_reader_reads_lines_then_end_of_input() -> None:
    read_fd, write_fd = os.pipe()
    os.write(write_fd, "Bonjour\r\nà bientôt\nlast".encode())
    os.close(write_fd)
    try:
        assert _read_raw_line(read_fd) == "Bonjour"
        assert _read_raw_line(read_fd) == "à bientôt"
        assert _read_raw_line(read_fd) == "last"
        assert _read_raw_line(read_fd) is None
    finally:
        os.close(read_fd)


async def test_staff_and_phone_lines_post_as_the_staff_chat_and_the_parish_phone() -> None:
    received: list[dict[str, object]] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        received.append(json.loads(request.content))
        return httpx.Response(200, json={"status": "accepted", "duplicate": False})

    http = httpx.AsyncClient(transport=httpx.MockTransport(gateway))
    staff = "33100000001@c.us"
    conversation = Conversation(
        http, webhook_url="http://gateway/webhook", hmac_key="k", chat_id=PERSON,
        staff_chat_id=staff,
    )  # fmt: skip
    await send_line(conversation, "/staff H7K2P Bonjour madame")
    await send_line(conversation, "/phone Bonjour, ici le père Antoine")
    await send_line(conversation, "/inconnu reste un message")
    staff_event, phone_event, person_event = received
    assert staff_event["event"] == "message"
    assert staff_event["payload"]["from"] == staff  # type: ignore[index]
    assert staff_event["payload"]["body"] == "H7K2P Bonjour madame"  # type: ignore[index]
    assert phone_event["event"] == "message.any"
    phone = phone_event["payload"]
    assert isinstance(phone, dict)
    assert (phone["fromMe"], phone["source"], phone["to"]) == (True, "app", PERSON)
    assert person_event["payload"]["from"] == PERSON  # type: ignore[index]
    assert person_event["payload"]["body"] == "/inconnu reste un message"  # type: ignore[index]
    assert conversation.sent == 1  # only the person's own line waits for an answer


async def test_staff_lines_need_a_staff_chat() -> None:
    conversation, received = conversation_answering(False)
    with pytest.raises(DevkitError, match="--staff-chat-id"):
        await send_line(conversation, "/staff liste")
    assert received == []


async def test_file_command_posts_a_media_message_the_waha_stand_in_serves(tmp_path: Path) -> None:
    offered: dict[str, tuple[bytes, str]] = {}

    def offer(name: str, data: bytes, mimetype: str) -> str:
        offered[name] = (data, mimetype)
        return f"http://waha/api/files/default/{name}"

    conversation, received = conversation_answering(False)
    conversation._offer_file = offer
    voice = tmp_path / "note.ogg"
    voice.write_bytes(b"OggS voice")
    await send_line(conversation, f"/file {voice} écoutez ceci")
    payload = received[0]["payload"]
    assert isinstance(payload, dict)
    assert (payload["hasMedia"], payload["body"]) == (True, "écoutez ceci")
    media = payload["media"]
    name = media["url"].rsplit("/", 1)[-1]
    assert offered[name] == (b"OggS voice", "audio/ogg; codecs=opus")
    assert (media["mimetype"], media["filename"]) == ("audio/ogg; codecs=opus", "note.ogg")


async def test_a_missing_file_is_not_sent() -> None:
    conversation, received = conversation_answering(False)
    conversation._offer_file = lambda name, data, mimetype: "http://waha/x"
    with pytest.raises(DevkitError, match="cannot read"):
        await send_line(conversation, "/file /nonexistent/photo.jpg")
    assert received == []


def test_a_file_the_concierge_sends_is_shown_with_its_caption() -> None:
    body = {
        "session": "default",
        "chatId": PERSON,
        "file": {"mimetype": "text/calendar", "filename": "catechese.ics", "data": "QUJD"},
        "caption": "Voici le calendrier.",
    }
    reply = Reply.of(Recorded("sendFile", {}, body))
    assert format_reply(reply, PERSON) == (
        "concierge> [fichier catechese.ics (text/calendar, ~3 octets)] Voici le calendrier."
    )


# (delay in seconds, chat, text): what the concierge sends after a line, and when.
Replies = Sequence[tuple[float, str, str]]


def conversation_replying(replies: Mapping[str, Replies]) -> Conversation:
    """A conversation whose 'gateway' answers each known line with its replies, in time."""
    conversation, _ = conversation_and_barrier(replies)
    return conversation


def conversation_and_barrier(replies: Mapping[str, Replies]) -> tuple[Conversation, Barrier]:
    """Also a barrier that returns once every reply due so far was sent (the bus settled)."""
    holder: list[Conversation] = []
    due: list[asyncio.Task[None]] = []

    async def send_later(delay: float, recorded: Recorded) -> None:
        await asyncio.sleep(delay)
        holder[0].on_send(recorded)

    def gateway(request: httpx.Request) -> httpx.Response:
        body = str(json.loads(request.content)["payload"]["body"])
        for delay, chat, text in replies.get(body, ()):
            recorded = Recorded("sendText", {}, {"chatId": chat, "text": text})
            due.append(asyncio.get_running_loop().create_task(send_later(delay, recorded)))
        return httpx.Response(200, json={"status": "accepted", "duplicate": False})

    async def settled() -> None:
        await asyncio.gather(*due)

    http = httpx.AsyncClient(transport=httpx.MockTransport(gateway))
    conversation = Conversation(
        http, webhook_url="http://gateway/webhook", hmac_key="k", chat_id=PERSON,
        staff_chat_id=STAFF,
    )  # fmt: skip
    holder.append(conversation)
    return conversation, settled


async def test_a_later_answer_is_printed_under_the_line_that_brought_it() -> None:
    conversation = conversation_replying(
        {
            "quel groupe pour Léa ?": [(0.0, PERSON, "Quel est votre code parent ?")],
            "SM-4821": [
                (0.0, PERSON, "Code bien reconnu."),
                (0.2, PERSON, "Léa est dans le groupe des CE2."),
            ],
            "merci": [(0.0, PERSON, "Avec plaisir !")],
        }
    )
    out = io.StringIO()
    timing = ScriptTiming(answer_timeout=30.0, quiet_seconds=1.0)
    lines = ["quel groupe pour Léa ?", "SM-4821", "merci"]
    assert await scripted(conversation, lines, timing, out=out) == 0
    assert out.getvalue().splitlines() == [
        "you> quel groupe pour Léa ?",
        "concierge> Quel est votre code parent ?",
        "you> SM-4821",
        "concierge> Code bien reconnu.",
        "concierge> Léa est dans le groupe des CE2.",
        "you> merci",
        "concierge> Avec plaisir !",
    ]


async def test_staff_chat_messages_are_printed_with_the_line_and_answer_a_staff_line() -> None:
    conversation = conversation_replying(
        {
            "je veux parler à quelqu'un": [
                (0.0, STAFF, "[H7K2P] Nouvelle demande"),
                (0.1, PERSON, "Une personne va vous répondre."),
            ],
            "liste": [(0.0, STAFF, "Demandes ouvertes (1)")],
        }
    )
    out = io.StringIO()
    timing = ScriptTiming(answer_timeout=30.0, quiet_seconds=0.5)
    lines = ["je veux parler à quelqu'un", "/staff liste"]
    assert await scripted(conversation, lines, timing, out=out) == 0
    assert out.getvalue().splitlines() == [
        "you> je veux parler à quelqu'un",
        "concierge (to staff)> [H7K2P] Nouvelle demande",
        "concierge> Une personne va vous répondre.",
        "you> /staff liste",
        "concierge (to staff)> Demandes ouvertes (1)",
    ]


async def test_a_phone_line_needs_no_answer_and_ends_once_quiet() -> None:
    # The cap is far beyond the test's timeout: only the quiet period may end the line.
    conversation = conversation_replying({})
    out = io.StringIO()
    timing = ScriptTiming(answer_timeout=3600.0, quiet_seconds=0.2)
    assert await scripted(conversation, ["/phone Bonjour, ici le curé"], timing, out=out) == 0
    assert out.getvalue().splitlines() == ["you> /phone Bonjour, ici le curé"]


async def test_with_the_bus_barrier_a_line_ends_when_the_services_settled_not_after_quiet() -> None:
    # The kept answer comes long after the first reply: a quiet period would cut the line
    # there, the barrier (every reply due has been sent) does not. No quiet period is used.
    conversation, settled = conversation_and_barrier(
        {
            "SM-4821": [(0.0, PERSON, "Code bien reconnu."), (0.5, PERSON, "Léa est en CE2.")],
            "merci": [(0.0, PERSON, "Avec plaisir !")],
        }
    )
    out = io.StringIO()
    timing = ScriptTiming(answer_timeout=3600.0, quiet_seconds=0.0, settled=settled)
    assert await scripted(conversation, ["SM-4821", "merci"], timing, out=out) == 0
    assert out.getvalue().splitlines() == [
        "you> SM-4821",
        "concierge> Code bien reconnu.",
        "concierge> Léa est en CE2.",
        "you> merci",
        "concierge> Avec plaisir !",
    ]


async def test_with_the_bus_barrier_a_line_the_services_left_unanswered_fails_at_once() -> None:
    conversation, settled = conversation_and_barrier({})
    out = io.StringIO()
    timing = ScriptTiming(answer_timeout=3600.0, quiet_seconds=0.0, settled=settled)
    assert await scripted(conversation, ["Bonjour"], timing, out=out) == 1
    assert "handled the line without answering it" in out.getvalue()
