"""Turns that carry a file: what the router answers itself, and what goes on to ai.

The gateway has already fetched the file (``MessageReceived.media``); the text
of the message is its caption. For the last message of a turn:

- a file that could not be kept (``MediaRef.error``): a short notice saying
  why; a caption is still answered like any text;
- with words (a caption, or earlier messages of the burst): the words are the
  question, answered as usual; the message (with its image) goes to ai;
- an image alone: answered within the session's current service (else the
  default one), so ai can read it (Claude) or ask for words (offline);
- a voice note alone: the concierge cannot listen to it; the person is invited
  to write, and told how to reach a person;
- a video or a document alone: acknowledged, with a question about the need;
- a location or a contact card: thanked, with a request for the question in words.

While a code is awaited, an image alone is left to the verification step.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from concierge_common.messages import (
    MEDIA_TOO_LARGE,
    MEDIA_TYPE_REFUSED,
    MessageReceived,
)
from concierge_common.metrics import child
from router import phrases
from router.catalog import Service
from router.metrics import DECISIONS
from router.outbox import Outbox
from router.verification import AWAITING_CODE, STEP

if TYPE_CHECKING:
    from router.conversation import TurnContext

log = logging.getLogger(__name__)

# How each kind of file is named in a reply ("votre document").
WHAT = {
    "video": "vidéo",
    "document": "document",
    "location": "localisation",
    "contact": "fiche contact",
}
RECEIVED_KINDS = frozenset({"video", "document"})
UNUSABLE_KINDS = frozenset({"location", "contact"})


class Conversing(Protocol):
    """What a file turn needs of :class:`router.conversation.Conversation`."""

    async def serve(self, ctx: TurnContext, service: Service) -> None: ...

    async def save(self, ctx: TurnContext) -> None: ...


def has_file(message: MessageReceived) -> bool:
    return message.kind != "text" or message.media is not None


def refused(error: str) -> str:
    """Why a file could not be received, for the person."""
    if error == MEDIA_TOO_LARGE:
        return phrases.MEDIA_TOO_LARGE
    if error == MEDIA_TYPE_REFUSED:
        return phrases.MEDIA_TYPE_REFUSED
    return phrases.MEDIA_UNAVAILABLE


def without_words(kind: str) -> str:
    """The reply to a file sent alone (not an image: those go to ai)."""
    if kind == "audio":
        return phrases.VOICE_NOTE
    if kind in UNUSABLE_KINDS:
        return phrases.CANNOT_USE.format(what=WHAT[kind])
    return phrases.FILE_RECEIVED.format(what=WHAT.get(kind, "fichier"))


class MediaTurns:
    def __init__(self, outbox: Outbox, *, default_service: str) -> None:
        self._outbox = outbox
        self._default = default_service

    async def answered(self, ctx: TurnContext, conversation: Conversing) -> bool:
        """Answer what the turn's file calls for; True when nothing is left to answer."""
        last = ctx.turn.last
        if not has_file(last):
            return False
        if last.media is not None and last.media.error:
            _decided("file_refused")
            await self._outbox.say(last, refused(last.media.error), "file-refused")
            if ctx.turn.texts:
                return False  # the caption is still a question
            await conversation.save(ctx)
            return True
        if ctx.turn.texts:
            return False
        if last.kind == "image":
            return await self._image(ctx, conversation)
        _decided(f"file_{last.kind}")
        await self._outbox.say(last, without_words(last.kind), f"file-{last.kind}")
        await conversation.save(ctx)
        return True

    async def _image(self, ctx: TurnContext, conversation: Conversing) -> bool:
        if ctx.state.get(STEP) == AWAITING_CODE:
            return False
        service = ctx.catalog.by_id(ctx.session.service_id) or ctx.catalog.by_name(self._default)
        if service is None:
            log.warning("no service to answer an image with")
            return False
        _decided("file_image")
        await conversation.serve(ctx, service)
        return True


def _decided(decision: str) -> None:
    child(DECISIONS, decision).inc()
