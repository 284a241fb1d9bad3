"""What the router does with a file a person sends: answer it itself, or pass it to ai."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

import msgspec
import pytest

from concierge_common.contracts.messages import (
    MEDIA_TOO_LARGE,
    MEDIA_TYPE_REFUSED,
    MEDIA_UNAVAILABLE,
    GenerateReply,
    MediaRef,
    SendReply,
)
from router import phrases
from router.catalog import CatalogCache
from router.coalescer import Turn
from router.conversation import Conversation
from router.outbox import Outbox
from router.verification import Verification
from support.router_fakes import FakeStorePort, RecordingPublisher, inbound

CHAT = "33612345678@c.us"
KEPT = MediaRef(
    mimetype="image/jpeg", storage_key="in/2026/11/" + "a" * 64 + ".jpg", size=2048, sha256="a" * 64
)


class NoClassifier:
    async def classify(self, text: str, offered: Sequence[object]) -> str | None:
        return None


class Harness:
    def __init__(self) -> None:
        self.store = FakeStorePort()
        self.bus = RecordingPublisher()
        outbox = Outbox(self.bus)
        self.conversation = Conversation(
            self.store,
            outbox,
            CatalogCache(self.store, ttl=60),
            NoClassifier(),
            Verification(self.store, outbox, zone=ZoneInfo("Europe/Paris")),
            default_service="RENSEIGNEMENT",
        )

    async def send(
        self, kind: str, caption: str = "", media: MediaRef | None = KEPT
    ) -> list[object]:
        before = len(self.bus.published)
        message = msgspec.structs.replace(inbound(caption, CHAT), kind=kind, media=media)
        session = await self.store.open_session(CHAT, "Marie")
        await self.conversation.handle(Turn(message, [caption] if caption else []), session)
        return [message for _, message in self.bus.published[before:]]


def _texts(out: list[object]) -> list[str]:
    return [m.text for m in out if isinstance(m, SendReply)]


def _generated(out: list[object]) -> list[GenerateReply]:
    return [m for m in out if isinstance(m, GenerateReply)]


async def test_a_voice_note_says_it_cannot_be_heard_and_how_to_reach_a_person() -> None:
    out = await Harness().send(
        "audio", media=MediaRef(mimetype="audio/ogg", storage_key="in/x.oga")
    )
    [text] = _texts(out)
    assert "vocaux" in text
    assert "écrire votre question" in text
    assert "« humain »" in text
    assert not _generated(out)


async def test_an_image_alone_goes_to_ai_with_the_image_in_the_default_service() -> None:
    out = await Harness().send("image")
    [generate] = _generated(out)
    assert generate.service == "RENSEIGNEMENT"
    assert generate.texts == []
    assert generate.inbound.media == KEPT
    assert not _texts(out)


async def test_an_image_alone_stays_in_the_current_service() -> None:
    h = Harness()
    await h.send("text", "bonjour", media=None)
    await h.send("text", "1", media=None)  # RENSEIGNEMENT from the menu
    out = await h.send("image")
    [generate] = _generated(out)
    assert generate.service == "RENSEIGNEMENT"
    assert h.store.session_of(CHAT).service_id == "svc-renseignement"


async def test_an_image_with_a_caption_is_routed_like_its_caption_and_keeps_the_image() -> None:
    out = await Harness().send("image", "Quels sont les horaires des messes ?")
    [generate] = _generated(out)
    assert generate.texts == ["Quels sont les horaires des messes ?"]
    assert generate.inbound.kind == "image"
    assert generate.inbound.media == KEPT


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (MEDIA_TOO_LARGE, phrases.MEDIA_TOO_LARGE),
        (MEDIA_TYPE_REFUSED, phrases.MEDIA_TYPE_REFUSED),
        (MEDIA_UNAVAILABLE, phrases.MEDIA_UNAVAILABLE),
        ("download failed", phrases.MEDIA_UNAVAILABLE),
    ],
)
async def test_a_file_not_received_gets_a_notice_saying_why(error: str, expected: str) -> None:
    out = await Harness().send("document", media=MediaRef(mimetype="application/pdf", error=error))
    assert _texts(out) == [expected]
    assert not _generated(out)


def test_the_notices_are_polite_french_and_say_why() -> None:
    assert "trop volumineux" in phrases.MEDIA_TOO_LARGE
    assert "ce type de fichier" in phrases.MEDIA_TYPE_REFUSED
    assert "renvoyer" in phrases.MEDIA_UNAVAILABLE


async def test_the_caption_of_a_file_not_received_is_still_answered() -> None:
    media = MediaRef(mimetype="image/heic", error=MEDIA_TYPE_REFUSED)
    out = await Harness().send("image", "Quels sont les horaires des messes ?", media=media)
    assert _texts(out) == [phrases.MEDIA_TYPE_REFUSED]
    [generate] = _generated(out)
    assert generate.texts == ["Quels sont les horaires des messes ?"]
    assert out.index(generate) > 0  # the notice first, then the answer


@pytest.mark.parametrize(("kind", "what"), [("document", "document"), ("video", "vidéo")])
async def test_a_document_or_video_alone_is_acknowledged_with_a_question(
    kind: str, what: str
) -> None:
    out = await Harness().send(kind)
    [text] = _texts(out)
    assert text == f"J'ai bien reçu votre {what}, merci. Que puis-je faire pour vous ?"
    assert not _generated(out)


async def test_a_document_with_a_caption_answers_the_caption() -> None:
    out = await Harness().send("document", "Quels sont les horaires des messes ?")
    [generate] = _generated(out)
    assert generate.texts == ["Quels sont les horaires des messes ?"]
    assert not _texts(out)


@pytest.mark.parametrize("kind", ["location", "contact"])
async def test_a_location_or_contact_asks_for_the_question_in_words(kind: str) -> None:
    out = await Harness().send(kind, media=None)
    [text] = _texts(out)
    assert "je ne sais pas m'en servir" in text
    assert "écrire votre question" in text
    assert not _generated(out)


async def test_every_router_reply_names_the_message_it_answers() -> None:
    out = await Harness().send("audio", media=MediaRef(mimetype="audio/ogg", storage_key="in/x"))
    [reply] = [m for m in out if isinstance(m, SendReply)]
    assert reply.in_reply_to_provider_id
    assert reply.in_reply_to_provider_id == reply.in_reply_to
