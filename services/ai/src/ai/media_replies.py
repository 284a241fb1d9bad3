"""What ai says about a file a person sent, when the file itself cannot be answered.

The router answers voice notes, documents and refused files itself
(:mod:`router.media_turns`); an image sent alone comes to ai. Claude reads it
when it is kept in the media storage; the offline answerer cannot, and says so.
A caption is always answered like any text.

A turn may hold several messages (a burst): its files are
``GenerateReply.media`` (oldest first), else the last message's own file.
"""

from __future__ import annotations

from concierge_common.contracts.messages import GenerateReply, MediaRef, MessageReceived

# A turn without a single word that ai cannot answer (not a readable image).
NO_WORDS = (
    "Je ne sais lire que les messages écrits pour le moment. Pouvez-vous écrire votre question ?"
)
# An image alone, without a model that reads images.
IMAGE_UNREAD = (
    "Merci pour votre image. Je ne sais pas encore lire les images : "
    "pouvez-vous m'écrire votre question en quelques mots ?"
)
# What Claude reads in place of a caption when an image comes alone.
IMAGE_ONLY_TURN = "(image envoyée)"


def has_image(inbound: MessageReceived) -> bool:
    """True when the message is an image kept in the media storage (one a model may read)."""
    media = inbound.media
    return (
        inbound.kind == "image"
        and media is not None
        and bool(media.storage_key)
        and not media.error
    )


def is_kept_image(media: MediaRef) -> bool:
    """True when ``media`` is an image kept in the media storage."""
    image = media.mimetype.strip().lower().startswith("image/")
    return image and bool(media.storage_key) and not media.error


def images(turn: GenerateReply) -> list[MediaRef]:
    """The turn's images kept in the media storage, oldest first."""
    if turn.media:
        return [media for media in turn.media if is_kept_image(media)]
    inbound = turn.inbound
    return [inbound.media] if has_image(inbound) and inbound.media is not None else []
