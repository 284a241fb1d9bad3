"""Files sent inside a burst of messages: kept with the turn, noticed, and passed to ai."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import msgspec

from concierge_common.bus.consumer import Delivery
from concierge_common.contracts.messages import (
    MEDIA_TOO_LARGE,
    MEDIA_TYPE_REFUSED,
    MEDIA_UNAVAILABLE,
    BusMessage,
    GenerateReply,
    MediaRef,
    MessageReceived,
    SendReply,
)
from router import phrases
from router.catalog import CatalogCache
from router.coalescer import Coalescer, Turn, TurnFile, keep, turn_of
from router.conversation import Conversation
from router.inbound import InboundHandler
from router.outbox import Outbox
from router.verification import Verification
from support.router_fakes import (
    FakeStorePort,
    MemoryHandled,
    NoClassifier,
    RecordingPublisher,
    inbound,
)

CHAT = "33622222222@c.us"
PHOTO = MediaRef(
    url="http://waha:3000/api/files/default/photo.jpeg",
    mimetype="image/jpeg",
    filename="affiche.jpg",
    storage_key="in/2026/11/" + "a" * 64 + ".jpg",
    size=2048,
    sha256="a" * 64,
)
OTHER_PHOTO = MediaRef(mimetype="image/png", storage_key="in/2026/11/b.png", size=99)
TOO_LARGE = MediaRef(mimetype="video/mp4", error=MEDIA_TOO_LARGE)
REFUSED = MediaRef(mimetype="application/x-msdownload", error=MEDIA_TYPE_REFUSED)


def _file(kind: str, media: MediaRef | None, caption: str = "") -> MessageReceived:
    return msgspec.structs.replace(inbound(caption, CHAT, created_at=99.0), kind=kind, media=media)


def _text(text: str) -> MessageReceived:
    return inbound(text, CHAT, created_at=99.0)


# --- keep / turn_of ---------------------------------------------------------


def test_a_kept_file_comes_back_in_the_turn_without_wahas_passing_url() -> None:
    photo = _file("image", PHOTO)
    question = _text("c'est à quelle heure ?")
    state = keep({}, photo)
    turn = turn_of(json.loads(json.dumps(state)), question)  # as stored in Postgres
    assert turn.texts == ["c'est à quelle heure ?"]
    assert turn.earlier == [TurnFile("image", msgspec.structs.replace(PHOTO, url=""))]
    assert turn.media == [msgspec.structs.replace(PHOTO, url="")]
    assert "waha" not in json.dumps(state)


def test_the_turns_files_are_oldest_first_and_end_with_the_last_messages() -> None:
    state = keep(
        keep(keep({}, _file("document", REFUSED)), _text("regardez")), _file("audio", None)
    )
    turn = turn_of(state, _file("image", OTHER_PHOTO, "et ça ?"))
    assert [item.kind for item in turn.files] == ["document", "audio", "image"]
    assert turn.media == [REFUSED, OTHER_PHOTO]
    assert turn.texts == ["regardez", "et ça ?"]


def test_a_redelivered_file_is_kept_once() -> None:
    photo = _file("image", PHOTO)
    state = keep(keep({}, photo), photo)
    assert len(state["burst"]) == 1
    assert turn_of(state, _text("quand ?")).media == [msgspec.structs.replace(PHOTO, url="")]


def test_the_last_message_redelivered_after_being_kept_counts_once() -> None:
    photo = _file("image", PHOTO)
    turn = turn_of(keep({}, photo), photo)
    assert turn.media == [PHOTO]
    assert turn.earlier == []


def test_a_text_message_keeps_the_entry_it_always_had() -> None:
    message = _text("bonjour")
    assert keep({}, message)["burst"] == [{"id": message.message_id, "text": "bonjour"}]


def test_a_turn_built_from_its_last_message_alone_has_that_messages_file() -> None:
    assert Turn(_file("image", PHOTO), []).media == [PHOTO]
    assert Turn(_text("bonjour"), ["bonjour"]).files == []


def test_a_kept_file_the_state_cannot_describe_counts_as_lost() -> None:
    message = _text("voici")
    state = {"burst": [{"id": "x", "text": "", "kind": "image", "media": {"size": "big"}}]}
    [lost] = turn_of(state, message).files
    assert lost.kind == "image"
    assert lost.media == MediaRef(error=MEDIA_UNAVAILABLE)


# --- the router's decisions for a burst -------------------------------------


class Burst:
    """The router with a 3 s burst window; a burst's messages are all queued, sent together."""

    def __init__(self) -> None:
        self.store = FakeStorePort()
        self.bus = RecordingPublisher()
        self.subject: list[MessageReceived] = []
        outbox = Outbox(self.bus)
        conversation = Conversation(
            self.store,
            outbox,
            CatalogCache(self.store, ttl=60),
            NoClassifier(),
            Verification(self.store, outbox, zone=ZoneInfo("Europe/Paris")),
            default_service="RENSEIGNEMENT",
        )
        coalescer = Coalescer(self._next, window=3.0, clock=lambda: 100.0, sleep=self._sleep)
        self.handler = InboundHandler(
            self.store, outbox, conversation, coalescer, MemoryHandled(), staff_chat_id=""
        )

    async def _next(self, subject: str, sequence: int) -> BusMessage | None:
        return self.subject[sequence] if sequence < len(self.subject) else None

    async def _sleep(self, seconds: float) -> None:
        return None

    async def send(self, *messages: MessageReceived) -> None:
        self.subject = list(messages)
        for sequence, message in enumerate(messages, 1):
            delivery = Delivery(attempt=1, subject="chat.v1.inbound.0.c", stream_sequence=sequence)
            await self.handler(message, delivery)

    def notices(self) -> list[str]:
        return [m.text for m in self.bus.of(SendReply)]

    def generated(self) -> list[GenerateReply]:
        return list(self.bus.of(GenerateReply))


async def test_a_photo_then_a_question_sends_the_photo_with_the_question_to_ai() -> None:
    burst = Burst()
    await burst.send(_file("image", PHOTO), _text("c'est à quelle heure ?"))
    [generate] = burst.generated()
    assert generate.texts == ["c'est à quelle heure ?"]
    assert generate.media == [msgspec.structs.replace(PHOTO, url="")]
    assert burst.notices() == []
    assert "burst" not in burst.store.session_of(CHAT).state


async def test_a_refused_file_then_a_question_gets_its_notice_and_an_answer() -> None:
    burst = Burst()
    await burst.send(_file("document", REFUSED), _text("quels sont les horaires des messes ?"))
    assert burst.notices() == [phrases.MEDIA_TYPE_REFUSED]
    [generate] = burst.generated()
    assert generate.texts == ["quels sont les horaires des messes ?"]


async def test_each_reason_a_file_was_refused_is_told_once() -> None:
    burst = Burst()
    await burst.send(
        _file("video", TOO_LARGE),
        _file("document", REFUSED),
        _file("video", TOO_LARGE),
        _text("horaires des messes ?"),
    )
    assert burst.notices() == [phrases.MEDIA_TOO_LARGE, phrases.MEDIA_TYPE_REFUSED]
    assert len(burst.generated()) == 1


async def test_an_image_then_a_voice_note_without_words_is_an_image_alone() -> None:
    burst = Burst()
    voice = MediaRef(mimetype="audio/ogg", storage_key="in/v.oga")
    await burst.send(_file("image", PHOTO), _file("audio", voice))
    [generate] = burst.generated()
    assert generate.texts == []
    assert [m.mimetype for m in generate.media] == ["image/jpeg", "audio/ogg"]
    assert burst.notices() == []


async def test_two_photos_sent_alone_go_to_ai_together_in_order() -> None:
    burst = Burst()
    await burst.send(_file("image", PHOTO), _file("image", OTHER_PHOTO))
    [generate] = burst.generated()
    assert [m.storage_key for m in generate.media] == [PHOTO.storage_key, OTHER_PHOTO.storage_key]


async def test_a_refused_file_then_a_photo_without_words_gets_the_notice_and_the_photo_read() -> (
    None
):
    burst = Burst()
    await burst.send(_file("video", TOO_LARGE), _file("image", PHOTO))
    assert burst.notices() == [phrases.MEDIA_TOO_LARGE]
    [generate] = burst.generated()
    assert generate.media[-1] == PHOTO


async def test_documents_alone_in_a_burst_get_one_acknowledgement() -> None:
    burst = Burst()
    pdf = MediaRef(mimetype="application/pdf", storage_key="in/a.pdf")
    await burst.send(_file("document", pdf), _file("document", pdf))
    assert burst.notices() == [phrases.FILE_RECEIVED.format(what="document")]
    assert burst.generated() == []
