"""ai reads a turn's files from ``GenerateReply.media`` (a burst), else from its last message."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import msgspec

from ai import media_replies
from ai.answerer import FactAnswerer
from ai.facts import Fact
from ai.handoffs import HandoffOpener
from ai.responder import NOT_TEXT, Responder
from ai.turns import TurnAnswerer
from concierge_common.contracts.messages import MEDIA_TOO_LARGE, GenerateReply, MediaRef
from support.ai_fakes import DELIVERY, NoStore, Published
from support.claude_store import turn

PHOTO = MediaRef(mimetype="image/jpeg", storage_key="in/2026/11/photo.jpg", size=10)
POSTER = MediaRef(mimetype="image/png", storage_key="in/2026/11/poster.png", size=20)
VOICE = MediaRef(mimetype="audio/ogg; codecs=opus", storage_key="in/2026/11/voice.oga")
LOST = MediaRef(mimetype="image/jpeg", error=MEDIA_TOO_LARGE)


class NoFacts:
    async def facts(self, service: str) -> list[Fact]:
        return []


OFFLINE = TurnAnswerer(
    FactAnswerer(NoFacts()),
    zone=ZoneInfo("Europe/Paris"),
    clock=lambda: datetime(2026, 11, 25, tzinfo=UTC),
)


def _burst(*media: MediaRef, texts: tuple[str, ...] = ()) -> GenerateReply:
    return msgspec.structs.replace(turn(*texts), media=list(media))


def test_the_turns_images_are_its_kept_images_oldest_first() -> None:
    assert media_replies.images(_burst(PHOTO, VOICE, LOST, POSTER)) == [PHOTO, POSTER]


def test_without_turn_media_the_last_messages_image_is_the_turns() -> None:
    plain = turn()
    inbound = msgspec.structs.replace(plain.inbound, kind="image", media=PHOTO)
    assert media_replies.images(msgspec.structs.replace(plain, inbound=inbound)) == [PHOTO]
    assert media_replies.images(plain) == []


async def test_offline_an_earlier_image_without_words_says_images_cannot_be_read_yet() -> None:
    published = Published()
    await Responder(published, OFFLINE, HandoffOpener(NoStore()))(_burst(PHOTO, VOICE), DELIVERY)
    [reply] = published.replies()
    assert reply.text == media_replies.IMAGE_UNREAD


async def test_a_burst_of_files_none_readable_asks_for_words() -> None:
    published = Published()
    await Responder(published, OFFLINE, HandoffOpener(NoStore()))(_burst(LOST, VOICE), DELIVERY)
    [reply] = published.replies()
    assert reply.text == NOT_TEXT
