"""Turns that carry a file: what the router answers itself, and what goes on to ai.

The gateway has already fetched the file (``MessageReceived.media``); the text
of the message is its caption. A turn may hold several messages (a burst, see
:mod:`router.coalescer`), so the rules look at every file of the turn:

- a file that could not be kept (``MediaRef.error``), anywhere in the turn: a
  short notice saying why, once per reason; the turn's words are still
  answered like any text;
- with words (a caption, or any message of the burst): the words are the
  question, answered as usual; the turn's files (its images) go to ai; words
  that name no service next to a kept image ("c'est à quelle heure ?") go to
  the default service rather than the menu (:func:`has_image`);
- an image without a word in the whole turn: answered within the session's
  current service (else the default one), so ai can read it (Claude) or ask
  for words (offline);
- a voice note alone: the concierge cannot listen to it; the person is invited
  to write, and told how to reach a person;
- a video or a document alone: acknowledged, with a question about the need;
- a location or a contact card: thanked, with a request for the question in words.

Files alone of several kinds get the reply of the newest one. While a code is
awaited, an image alone is left to the verification step.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from concierge_common.contracts.messages import (
    MEDIA_ERRORS,
    MEDIA_TOO_LARGE,
    MEDIA_TYPE_REFUSED,
    MEDIA_UNAVAILABLE,
)
from concierge_common.metrics import child
from router import phrases
from router.catalog import Service
from router.coalescer import Turn, TurnFile
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


def refused(error: str) -> str:
    """Why a file could not be received, for the person."""
    if error == MEDIA_TOO_LARGE:
        return phrases.MEDIA_TOO_LARGE
    if error == MEDIA_TYPE_REFUSED:
        return phrases.MEDIA_TYPE_REFUSED
    return phrases.MEDIA_UNAVAILABLE


def has_image(turn: Turn) -> bool:
    """True when a message of the turn is an image the gateway kept (ai may read it)."""
    return any(
        item.kind == "image" and item.media is not None and bool(item.media.storage_key)
        for item in turn.files
    )


def refusals(files: list[TurnFile]) -> list[str]:
    """Why files of the turn could not be kept, each reason once, in the order they came."""
    reasons: list[str] = []
    for item in files:
        if item.media is None or not item.media.error:
            continue
        reason = item.media.error if item.media.error in MEDIA_ERRORS else MEDIA_UNAVAILABLE
        if reason not in reasons:
            reasons.append(reason)
    return reasons


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
        """Answer what the turn's files call for; True when nothing is left to answer."""
        files = ctx.turn.files
        if not files:
            return False
        last = ctx.turn.last
        for error in refusals(files):
            _decided("file_refused")
            await self._outbox.say(last, refused(error), f"file-refused-{error}")
        if ctx.turn.texts:
            return False  # the words (a caption, the burst's messages) are the question
        usable = [item for item in files if item.media is None or not item.media.error]
        if any(item.kind == "image" for item in usable):
            return await self._image(ctx, conversation)
        if usable:
            kind = usable[-1].kind
            _decided(f"file_{kind}")
            await self._outbox.say(last, without_words(kind), f"file-{kind}")
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
