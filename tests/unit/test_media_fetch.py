"""The media fetcher with the real WAHA client, against the WAHA fake and a local storage."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from concierge_common.contracts.messages import (
    MEDIA_TOO_LARGE,
    MEDIA_TYPE_REFUSED,
    MEDIA_UNAVAILABLE,
    MediaRef,
    MessageReceived,
    OperatorMessageSeen,
)
from concierge_common.storage.media_storage import LocalMediaStorage
from concierge_devkit.waha_fake import WahaFake, serve_fake
from gateway.media_fetch import MediaFetcher, extension_of
from gateway.waha_client import WahaClient

API_KEY = "media-test-key"
CHAT = "33600000700@c.us"
MESSAGE_ID = f"false_{CHAT}_AAAAAAAAAAAAAAAAAAAA"
PHOTO = b"\xff\xd8\xff\xe0 a photo of the parish hall"
VOICE = b"OggS a voice note"
TYPES = ("image/", "audio/", "video/", "application/pdf", "text/plain")


@dataclass
class Fetching:
    waha: WahaFake
    fetcher: MediaFetcher
    root: Path

    def stored(self, media: MediaRef) -> bytes:
        return (self.root / media.storage_key).read_bytes()

    async def photo_through(
        self, root: Path, *, max_bytes: int = 1_000_000
    ) -> MessageReceived | OperatorMessageSeen:
        """A photo WAHA serves, enriched by another fetcher: storing under ``root``,
        keeping at most ``max_bytes``."""
        url = self.waha.add_file(f"{MESSAGE_ID}.jpeg", PHOTO, "image/jpeg")
        client = WahaClient(self.waha.base_url, API_KEY)
        try:
            fetcher = _fetcher(client, root, max_bytes=max_bytes)
            return await fetcher.enrich(
                _received("image", MediaRef(url=url, mimetype="image/jpeg"))
            )
        finally:
            await client.aclose()


def _fetcher(client: WahaClient, root: Path, *, max_bytes: int = 1_000_000) -> MediaFetcher:
    return MediaFetcher(client, LocalMediaStorage(root), max_bytes=max_bytes, types=TYPES)


@pytest.fixture
async def fetching(tmp_path: Path) -> AsyncIterator[Fetching]:
    fake = WahaFake(api_key=API_KEY)
    server = await serve_fake(fake)
    client = WahaClient(fake.base_url, API_KEY)
    try:
        yield Fetching(fake, _fetcher(client, tmp_path / "media"), tmp_path / "media")
    finally:
        await client.aclose()
        await server.stop()
    assert fake.invalid == []


def _received(kind: str, media: MediaRef | None) -> MessageReceived:
    return MessageReceived(
        message_id="m-1",
        conversation_id="c-1",
        correlation_id="m-1",
        session="default",
        chat_id=CHAT,
        sender_id=CHAT,
        provider_message_id=MESSAGE_ID,
        kind=kind,
        media=media,
    )


def _count(kind: str, result: str) -> float:
    value = REGISTRY.get_sample_value(
        "concierge_gateway_media_total", {"kind": kind, "result": result}
    )
    return value or 0.0


async def test_an_image_is_downloaded_and_stored_with_its_size_and_sha256(
    fetching: Fetching,
) -> None:
    url = fetching.waha.add_file(f"{MESSAGE_ID}.jpeg", PHOTO, "image/jpeg")
    before = _count("image", "stored")

    enriched = await fetching.fetcher.enrich(
        _received("image", MediaRef(url=url, mimetype="image/jpeg"))
    )

    assert isinstance(enriched, MessageReceived)
    assert enriched.media is not None
    media = enriched.media
    assert media.error == ""
    assert media.sha256 == hashlib.sha256(PHOTO).hexdigest()
    assert media.size == len(PHOTO)
    assert media.storage_key.startswith("in/")
    assert media.storage_key.endswith(f"/{media.sha256}.jpg")
    assert fetching.stored(media) == PHOTO
    assert fetching.waha.calls("files")[0].headers["x-api-key"] == API_KEY
    assert _count("image", "stored") == before + 1


async def test_a_voice_note_keeps_its_codec_out_of_the_type_check_and_the_extension(
    fetching: Fetching,
) -> None:
    url = fetching.waha.add_file(f"{MESSAGE_ID}.oga", VOICE, "audio/ogg")
    ref = MediaRef(url=url, mimetype="audio/ogg; codecs=opus")

    enriched = await fetching.fetcher.enrich(_received("audio", ref))

    assert isinstance(enriched, MessageReceived)
    assert enriched.media is not None
    assert enriched.media.storage_key.endswith(".ogg")
    assert enriched.media.mimetype == "audio/ogg; codecs=opus"
    assert fetching.stored(enriched.media) == VOICE


async def test_a_file_above_the_limit_is_not_kept(fetching: Fetching, tmp_path: Path) -> None:
    enriched = await fetching.photo_through(fetching.root, max_bytes=len(PHOTO) - 1)

    assert isinstance(enriched, MessageReceived)
    assert enriched.media is not None
    assert enriched.media.error == MEDIA_TOO_LARGE
    assert enriched.media.storage_key == ""
    assert not fetching.root.exists()


async def test_a_refused_type_is_not_downloaded(fetching: Fetching) -> None:
    url = fetching.waha.add_file(f"{MESSAGE_ID}.exe", b"MZ", "application/x-msdownload")
    ref = MediaRef(url=url, mimetype="application/x-msdownload", filename="setup.exe")

    enriched = await fetching.fetcher.enrich(_received("document", ref))

    assert isinstance(enriched, MessageReceived)
    assert enriched.media is not None
    assert enriched.media.error == MEDIA_TYPE_REFUSED
    assert enriched.media.filename == "setup.exe"
    assert fetching.waha.calls("files") == []


async def test_an_expired_file_is_fetched_again_through_get_message(fetching: Fetching) -> None:
    expired = f"{fetching.waha.base_url}/api/files/default/{MESSAGE_ID}.jpeg"
    fresh = fetching.waha.add_file(f"{MESSAGE_ID}-again.jpeg", PHOTO, "image/jpeg")
    fetching.waha.add_history(
        CHAT,
        {
            "id": MESSAGE_ID,
            "timestamp": 1764115200,
            "from": CHAT,
            "fromMe": False,
            "hasMedia": True,
            "media": {"url": fresh, "mimetype": "image/jpeg", "filename": None},
        },
    )

    enriched = await fetching.fetcher.enrich(
        _received("image", MediaRef(url=expired, mimetype="image/jpeg"))
    )

    assert isinstance(enriched, MessageReceived)
    assert enriched.media is not None
    assert enriched.media.error == ""
    assert fetching.stored(enriched.media) == PHOTO
    lookup = fetching.waha.calls("getMessage")
    assert len(lookup) == 1
    assert lookup[0].query["downloadMedia"] == "true"
    assert lookup[0].path["messageId"] == MESSAGE_ID
    assert len(fetching.waha.calls("files")) == 2


async def test_an_expired_file_waha_no_longer_knows_is_unavailable(fetching: Fetching) -> None:
    expired = f"{fetching.waha.base_url}/api/files/default/{MESSAGE_ID}.jpeg"

    enriched = await fetching.fetcher.enrich(
        _received("image", MediaRef(url=expired, mimetype="image/jpeg"))
    )

    assert isinstance(enriched, MessageReceived)
    assert enriched.media is not None
    assert enriched.media.error == MEDIA_UNAVAILABLE
    assert len(fetching.waha.calls("getMessage")) == 1


async def test_waha_down_leaves_the_file_unavailable_and_the_message_intact(
    fetching: Fetching,
) -> None:
    url = fetching.waha.add_file(f"{MESSAGE_ID}.jpeg", PHOTO, "image/jpeg")
    fetching.waha.fail_next(1, 503, endpoint="files")
    message = _received("image", MediaRef(url=url, mimetype="image/jpeg"))

    enriched = await fetching.fetcher.enrich(message)

    assert isinstance(enriched, MessageReceived)
    assert enriched.media is not None
    assert enriched.media.error == MEDIA_UNAVAILABLE
    assert enriched.media.url == url
    assert enriched.message_id == message.message_id
    assert fetching.waha.calls("getMessage") == []


@pytest.mark.parametrize(
    "media",
    [None, MediaRef(url="", mimetype="image/jpeg"), MediaRef(mimetype="image/jpeg", error="boom")],
    ids=["has-media-without-media", "no-url", "waha-download-error"],
)
async def test_a_file_waha_did_not_give_is_unavailable(
    fetching: Fetching, media: MediaRef | None
) -> None:
    enriched = await fetching.fetcher.enrich(_received("document", media))

    assert isinstance(enriched, MessageReceived)
    assert enriched.media is not None
    assert enriched.media.error == MEDIA_UNAVAILABLE
    assert fetching.waha.requests == []


async def test_a_storage_failure_leaves_the_file_unavailable(
    fetching: Fetching, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the storage root should be")
    enriched = await fetching.photo_through(blocked)

    assert isinstance(enriched, MessageReceived)
    assert enriched.media is not None
    assert enriched.media.error == MEDIA_UNAVAILABLE
    assert enriched.media.storage_key == ""


async def test_text_and_operator_messages_pass_through_untouched(fetching: Fetching) -> None:
    text = _received("text", None)
    operator = OperatorMessageSeen(
        message_id="m-2",
        conversation_id="c-1",
        correlation_id="m-2",
        session="default",
        chat_id=CHAT,
        provider_message_id="true_x",
        text="Je prends le relais",
    )
    assert await fetching.fetcher.enrich(text) is text
    assert await fetching.fetcher.enrich(operator) is operator
    assert fetching.waha.requests == []


def test_extensions_follow_the_mime_type_without_its_parameters() -> None:
    assert extension_of("audio/ogg; codecs=opus") == ".ogg"
    assert extension_of("image/jpeg") == ".jpg"
    assert extension_of("Application/PDF") == ".pdf"
    assert extension_of("application/x-unknown-thing") == ""
