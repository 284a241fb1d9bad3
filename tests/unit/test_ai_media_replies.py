"""ai's answers to images without a model that reads them, and to turns without words."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import msgspec

from ai import media_replies
from ai.answerer import Answer, FactAnswerer
from ai.facts import Fact
from ai.handoffs import HandoffOpener
from ai.responder import NOT_TEXT, Responder
from ai.turns import TurnAnswerer
from concierge_common.contracts.messages import (
    MEDIA_TOO_LARGE,
    GenerateReply,
    MediaRef,
)
from support.ai_fakes import DELIVERY, NoStore, Published
from support.claude_store import turn

KEPT = MediaRef(mimetype="image/jpeg", storage_key="in/2026/11/photo.jpg", size=10)
MASSES = Fact("messes", "RENSEIGNEMENT", "Messes du dimanche", "Dimanche à 9h30 et à 11h.")


class ListedFacts:
    async def facts(self, service: str) -> list[Fact]:
        return [MASSES] if service == MASSES.service else []


OFFLINE = TurnAnswerer(
    FactAnswerer(ListedFacts()),
    zone=ZoneInfo("Europe/Paris"),
    clock=lambda: datetime(2026, 11, 25, tzinfo=UTC),
)


def _image(*texts: str, media: MediaRef | None = KEPT) -> GenerateReply:
    plain = turn(*texts)
    inbound = msgspec.structs.replace(plain.inbound, kind="image", media=media)
    return msgspec.structs.replace(plain, inbound=inbound)


def test_only_an_image_kept_in_storage_is_readable() -> None:
    assert media_replies.has_image(_image().inbound)
    assert not media_replies.has_image(_image(media=None).inbound)
    assert not media_replies.has_image(_image(media=MediaRef(error=MEDIA_TOO_LARGE)).inbound)
    voice = msgspec.structs.replace(_image().inbound, kind="audio")
    assert not media_replies.has_image(voice)


async def test_offline_an_image_alone_says_images_cannot_be_read_yet() -> None:
    answer = await OFFLINE.answer(_image())
    assert answer == Answer(media_replies.IMAGE_UNREAD, "courtesy")
    assert "lire les images" in answer.text
    assert "question en quelques mots" in answer.text


async def test_offline_the_caption_of_an_image_is_answered() -> None:
    answer = await OFFLINE.answer(_image("Quels sont les horaires des messes du dimanche ?"))
    assert isinstance(answer, Answer)
    assert answer.sources == ("messes",)


async def test_the_responder_gives_a_readable_image_alone_to_the_answerer() -> None:
    published = Published()
    await Responder(published, OFFLINE, HandoffOpener(NoStore()))(_image(), DELIVERY)
    [reply] = published.replies()
    assert reply.text == media_replies.IMAGE_UNREAD
    assert reply.in_reply_to_provider_id == "wamid-1"


async def test_the_responder_asks_for_words_when_nothing_can_be_read() -> None:
    published = Published()
    unreadable = _image(media=MediaRef(mimetype="image/jpeg", error="unavailable"))
    await Responder(published, OFFLINE, HandoffOpener(NoStore()))(unreadable, DELIVERY)
    [reply] = published.replies()
    assert reply.text == NOT_TEXT
    assert reply.in_reply_to_provider_id == "wamid-1"
