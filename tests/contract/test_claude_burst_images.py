"""Every image of a coalesced turn reaches Claude, in the order sent, through the real SDK."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import msgspec
import pytest

from ai.answerer import Answer
from ai.claude.images import MAX_IMAGES
from concierge_common.contracts.messages import MEDIA_TOO_LARGE, GenerateReply, MediaRef
from support import fake_claude as fake
from support.claude_store import MemoryStore, image_reader, turn

# 1x1 PNG images that differ by their last byte (a chunk the decoder does not read).
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)


def _png(n: int) -> bytes:
    return PNG + bytes([n])


@pytest.fixture
def store() -> MemoryStore:
    memory = MemoryStore()
    service = memory.add_service("RENSEIGNEMENT", prompt="Vous êtes l'assistant de la paroisse.")
    memory.add_info(service, "Messes", "La messe du dimanche est à 10h30.")
    return memory


def _stored(root: Path, n: int) -> MediaRef:
    key = f"in/2026/11/photo-{n}.png"
    (root / key).parent.mkdir(parents=True, exist_ok=True)
    (root / key).write_bytes(_png(n))
    return MediaRef(mimetype="image/png", storage_key=key, size=len(_png(n)))


def _burst(media: list[MediaRef], *texts: str) -> GenerateReply:
    return msgspec.structs.replace(turn(*texts), media=media)


def _data(blocks: list[dict[str, Any]]) -> list[bytes]:
    return [base64.b64decode(block["source"]["data"]) for block in blocks]


def _cite_first(request: fake.Recorded) -> fake.Scripted:
    return fake.answer("La messe est à 10h30.", [next(iter(request.facts()))])


async def test_a_turn_with_two_images_sends_both_in_the_order_they_were_sent(
    server: fake.FakeClaude, store: MemoryStore, tmp_path: Path
) -> None:
    server.will(_cite_first)
    media = [_stored(tmp_path, 1), _stored(tmp_path, 2)]
    async with image_reader(server.url, store, tmp_path) as claude:
        answer = await claude.answer(_burst(media, "c'est à quelle heure ?"))

    assert isinstance(answer, Answer)
    assert _data(server.requests[0].images()) == [_png(1), _png(2)]
    content = server.requests[0].body["messages"][-1]["content"]
    assert [block["type"] for block in content] == ["image", "image", "text"]
    assert server.requests[0].last_user_text() == "c'est à quelle heure ?"


async def test_at_most_four_images_are_sent_the_newest_ones(
    server: fake.FakeClaude, store: MemoryStore, tmp_path: Path
) -> None:
    server.will(_cite_first)
    media = [_stored(tmp_path, n) for n in range(1, MAX_IMAGES + 3)]
    async with image_reader(server.url, store, tmp_path) as claude:
        await claude.answer(_burst(media, "et ces affiches ?"))

    assert _data(server.requests[0].images()) == [_png(n) for n in range(3, MAX_IMAGES + 3)]


async def test_files_that_are_not_readable_images_are_left_out_of_the_turn(
    server: fake.FakeClaude, store: MemoryStore, tmp_path: Path
) -> None:
    server.will(_cite_first)
    voice = MediaRef(mimetype="audio/ogg", storage_key="in/2026/11/voice.oga")
    media = [
        _stored(tmp_path, 1),
        voice,
        MediaRef(mimetype="image/jpeg", error=MEDIA_TOO_LARGE),
        MediaRef(mimetype="image/png", storage_key="in/2026/11/gone.png", size=10),
        _stored(tmp_path, 2),
    ]
    async with image_reader(server.url, store, tmp_path) as claude:
        await claude.answer(_burst(media, "voici"))

    assert _data(server.requests[0].images()) == [_png(1), _png(2)]


async def test_an_earlier_image_alone_is_read_though_the_last_message_is_not_an_image(
    server: fake.FakeClaude, store: MemoryStore, tmp_path: Path
) -> None:
    server.will(_cite_first)
    voice = MediaRef(mimetype="audio/ogg", storage_key="in/2026/11/voice.oga")
    async with image_reader(server.url, store, tmp_path) as claude:
        answer = await claude.answer(_burst([_stored(tmp_path, 1), voice]))

    assert isinstance(answer, Answer)
    assert _data(server.requests[0].images()) == [_png(1)]
