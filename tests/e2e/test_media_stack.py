"""A photo and a voice note sent to the parish end up kept: file in storage, media row linked."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg

from support import fixtures
from support.conversation import texts_to
from support.polling import eventually
from support.stack import Stack, running_stack

PHOTO = b"\xff\xd8\xff\xe0 the photo of a baptism certificate"
VOICE = b"OggS\x00\x02 a voice note asking for the mass times"

_MEDIA_OF = """
SELECT m.file_path, m.mime_type, m.size, m.sha256, i.message_type
FROM interactions i JOIN media m ON m.id = i.media_id
WHERE i.provider_message_id = $1 AND i.direction = 'in'
"""


def _with_file(stack: Stack, name: str, data: bytes, mimetype: str) -> dict[str, Any]:
    """The fixture's webhook, its ``media.url`` pointing at a file WAHA (the fake) holds."""
    event = fixtures.fresh(copy.deepcopy(fixtures.load(name)))
    payload = event["payload"]
    payload["media"]["url"] = stack.waha.add_file(f"{payload['id']}.bin", data, mimetype)
    return event


def _answered(stack: Stack, chat: str) -> Callable[[], Awaitable[list[str]]]:
    async def texts() -> list[str]:
        return texts_to(stack, chat)

    return texts


async def _media_row(database_url: str, key: str) -> asyncpg.Record:
    async def linked() -> asyncpg.Record | None:
        conn = await asyncpg.connect(database_url)
        try:
            return await conn.fetchrow(_MEDIA_OF, key)
        finally:
            await conn.close()

    return await eventually(linked)


async def test_received_files_are_stored_and_linked_to_the_persons_message(
    env: dict[str, str], tmp_path: Path
) -> None:
    storage = tmp_path / "media"
    async with running_stack({**env, "MEDIA_STORAGE_URL": str(storage)}) as stack:
        image = _with_file(stack, "message-image-noweb.json", PHOTO, "image/jpeg")
        voice = _with_file(stack, "message-voice-ptt-noweb-constructed.json", VOICE, "audio/ogg")
        for event in (image, voice):
            assert (await stack.post(event)).status_code == 200

        photo_row = await _media_row(env["DATABASE_URL"], f"chatwoot:{image['payload']['id']}")
        voice_row = await _media_row(env["DATABASE_URL"], f"default:{voice['payload']['id']}")
        # Each person gets an answer (the words are the replies' tests' business).
        for event in (image, voice):
            await eventually(_answered(stack, event["payload"]["from"]))

    for row, data, mimetype, kind, extension in (
        (photo_row, PHOTO, "image/jpeg", "image", ".jpg"),
        (voice_row, VOICE, "audio/ogg; codecs=opus", "audio", ".ogg"),
    ):
        assert (row["mime_type"], row["size"], row["message_type"]) == (mimetype, len(data), kind)
        assert row["sha256"] == hashlib.sha256(data).hexdigest()
        assert row["file_path"].startswith("in/")
        assert row["file_path"].endswith(f"/{row['sha256']}{extension}")
        assert (storage / row["file_path"]).read_bytes() == data
    assert stack.waha.invalid == []
