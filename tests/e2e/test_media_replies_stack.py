"""Files sent to the concierge get one sensible reply through the whole stack (offline ai):
a voice note cannot be heard, an image alone cannot be read yet."""

from __future__ import annotations

import base64
import copy
import uuid
from typing import Any

from ai import media_replies
from router import phrases
from support import fixtures
from support.conversation import Conversation
from support.settling import settled
from support.stack import Stack, running_stack

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)


def _file_message(
    stack: Stack, chat: str, *, data: bytes, mimetype: str, extension: str, caption: str = ""
) -> dict[str, Any]:
    body = fixtures.fresh(copy.deepcopy(fixtures.load("message-voice-ptt-noweb-constructed.json")))
    message_id = f"false_{chat}_{uuid.uuid4().hex[:20].upper()}"
    url = stack.waha.add_file(f"{message_id}{extension}", data, mimetype)
    body["id"] = "evt_" + uuid.uuid4().hex
    body["payload"].update(
        {
            "id": message_id,
            "from": chat,
            "body": caption or None,
            "media": {"url": url, "mimetype": mimetype, "filename": None, "error": None},
        }
    )
    return body


async def test_a_voice_note_gets_one_reply_inviting_to_write(env: dict[str, str]) -> None:
    async with running_stack(env) as stack:
        person = Conversation(stack, "33610000091@c.us")
        voice = _file_message(
            stack, person.chat, data=b"OggS\x00voice", mimetype="audio/ogg; codecs=opus",
            extension=".oga",
        )  # fmt: skip
        assert (await stack.post(voice)).status_code == 200
        [reply] = await person.expect(1)
        assert reply == phrases.VOICE_NOTE
        await settled(stack)
        assert len(person.received()) == 1
        assert stack.waha.invalid == []


async def test_an_image_alone_offline_asks_for_the_question_in_words(env: dict[str, str]) -> None:
    async with running_stack(env) as stack:
        person = Conversation(stack, "33610000092@c.us")
        image = _file_message(stack, person.chat, data=PNG, mimetype="image/png", extension=".png")
        assert (await stack.post(image)).status_code == 200
        [reply] = await person.expect(1)
        assert reply == media_replies.IMAGE_UNREAD
        await settled(stack)
        assert len(person.received()) == 1
        assert stack.waha.invalid == []
