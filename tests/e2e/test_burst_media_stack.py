"""Files sent inside a quick burst of messages reach the answer through the whole stack.

The router's burst window is on (3 s): a photo then a question written right
after it are one turn, answered once, and Claude (the fake Messages API) reads
the photo with the question; a file the gateway refused gets its notice, and the
question after it its answer.
"""

from __future__ import annotations

import base64
import copy
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from router import phrases
from support import fake_claude as fake
from support import fixtures
from support.conversation import Conversation
from support.settling import settled
from support.stack import Stack, running_stack

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)
QUESTION = "c'est à quelle heure ?"
REPLY = "D'après l'affiche, la messe est à 10h30."
# The product's window: the question's webhook follows the file's by a local HTTP round
# trip (the file is downloaded meanwhile), a small fraction of it even on a loaded machine.
BURST_WINDOW = "3"
# WhatsApp's times (whole seconds): the question is sent a second after the file.
SENT = 1_767_264_000


@pytest.fixture
def server() -> Iterator[fake.FakeClaude]:
    with fake.FakeClaude() as running:
        yield running


def _file_message(
    stack: Stack, chat: str, *, data: bytes, mimetype: str, sent_at: int
) -> dict[str, Any]:
    body = fixtures.fresh(copy.deepcopy(fixtures.load("message-voice-ptt-noweb-constructed.json")))
    message_id = f"false_{chat}_{uuid.uuid4().hex[:20].upper()}"
    url = stack.waha.add_file(f"{message_id}.bin", data, mimetype)
    body["id"] = "evt_" + uuid.uuid4().hex
    body["payload"].update(
        {
            "id": message_id,
            "timestamp": sent_at,
            "from": chat,
            "body": None,
            "media": {"url": url, "mimetype": mimetype, "filename": None, "error": None},
        }
    )
    return body


def _cite_first(request: fake.Recorded) -> fake.Scripted:
    return fake.answer(REPLY, [next(iter(request.facts()))])


async def test_a_photo_then_a_question_get_one_answer_from_claude_who_saw_the_photo(
    env: dict[str, str], server: fake.FakeClaude, tmp_path: Path
) -> None:
    server.will(_cite_first)
    claude_env = {
        **env,
        "ROUTER_BURST_WINDOW_SECONDS": BURST_WINDOW,
        "MEDIA_STORAGE_URL": str(tmp_path / "media"),
        "ANTHROPIC_API_KEY": "sk-test",
        "ANTHROPIC_BASE_URL": server.url,
    }
    async with running_stack(claude_env) as stack:
        person = Conversation(stack, "33610000131@c.us")
        photo = _file_message(stack, person.chat, data=PNG, mimetype="image/png", sent_at=SENT)
        assert (await stack.post(photo)).status_code == 200
        await person.send(QUESTION, sent_at=SENT + 1)
        assert await person.expect(1) == [REPLY]
        await settled(stack)
        assert person.received() == [REPLY]
        assert stack.waha.invalid == []

    [asked] = server.requests
    [image] = asked.images()
    assert base64.b64decode(image["source"]["data"]) == PNG
    assert asked.last_user_text() == QUESTION


async def test_a_refused_file_then_a_question_get_the_notice_and_the_answer(
    env: dict[str, str], tmp_path: Path
) -> None:
    burst_env = {
        **env,
        "ROUTER_BURST_WINDOW_SECONDS": BURST_WINDOW,
        "MEDIA_STORAGE_URL": str(tmp_path / "media"),
    }
    async with running_stack(burst_env) as stack:
        person = Conversation(stack, "33610000132@c.us")
        program = _file_message(
            stack,
            person.chat,
            data=b"MZ\x90\x00",
            mimetype="application/x-msdownload",
            sent_at=SENT,
        )
        assert (await stack.post(program)).status_code == 200
        await person.send("Quels sont les horaires des messes du dimanche ?", sent_at=SENT + 1)
        notice, answer = await person.expect(2)
        assert notice == phrases.MEDIA_TYPE_REFUSED
        assert "9h30" in answer
        await settled(stack)
        assert len(person.received()) == 2
        assert stack.waha.invalid == []
