"""A file a person sends while a human owns the conversation reaches the staff chat itself."""

from __future__ import annotations

import base64
import copy
from pathlib import Path

from support import fixtures
from support.conversation import STAFF_GROUP, Conversation
from support.polling import eventually
from support.settling import settled
from support.stack import running_stack

CERTIFICATE = b"%PDF-1.4 certificat de bapteme"
PERSON = "33610000077@c.us"


async def test_a_document_sent_during_a_handoff_is_sent_on_to_staff(
    env: dict[str, str], tmp_path: Path
) -> None:
    flow = {
        **env,
        "STAFF_CHAT_ID": STAFF_GROUP,
        "HANDOFF_BUSINESS_HOURS": "mon-sun 00:00-24:00",
        "MEDIA_STORAGE_URL": str(tmp_path / "media"),
    }
    async with running_stack(flow) as stack:
        person = Conversation(stack, PERSON)
        await person.send("Je voudrais parler à quelqu'un")
        await person.expect_staff(1)

        body = copy.deepcopy(fixtures.text_message(PERSON, "voici le certificat"))
        payload = body["payload"]
        url = stack.waha.add_file(f"{payload['id']}.pdf", CERTIFICATE, "application/pdf")
        payload.update(
            {
                "hasMedia": True,
                "media": {"url": url, "mimetype": "application/pdf", "filename": "certif.pdf"},
            }
        )
        assert (await stack.post(body)).status_code == 200

        async def file_to_staff() -> list[dict[str, object]]:
            return [
                call.body
                for call in stack.waha.calls("sendFile")
                if call.body["chatId"] == STAFF_GROUP
            ]

        [sent] = await eventually(file_to_staff)
        file = sent["file"]
        assert isinstance(file, dict)
        assert base64.b64decode(str(file["data"])) == CERTIFICATE
        assert (file["mimetype"], file["filename"]) == ("application/pdf", "certif.pdf")
        assert "voici le certificat (fichier joint)" in str(sent["caption"])
        await settled(stack)
        assert len(person.received()) == 1  # the bot stayed silent
    assert stack.waha.invalid == []
