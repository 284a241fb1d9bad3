"""The images of a turn, as image content blocks for Claude (base64), when they can be.

Claude reads JPEG, PNG, GIF and WebP images sent inline as base64 (``{"type":
"image", "source": {"type": "base64", "media_type": ..., "data": ...}}``), up
to 5 MB per image: the limit is checked on the base64 text, so the file itself
may weigh at most :data:`MAX_BYTES` (3.75 MiB). The media type is read from the
file's first bytes, not trusted from WhatsApp's mimetype (the API refuses an
image whose bytes do not match the type it is given).

A turn sends at most :data:`MAX_IMAGES` images, the newest ones, oldest first
(a burst: a photo, then the question). An image that cannot be sent (another
format, too large, gone from the storage) is left out: a turn without any goes
to Claude as text only. A storage that is down raises
:class:`~concierge_common.errors.DownstreamUnavailable` (the bus retries the turn).
"""

from __future__ import annotations

import base64
import logging
from typing import Literal

from anthropic.types import ImageBlockParam

from ai import media_replies
from concierge_common.contracts.messages import GenerateReply, MediaRef
from concierge_common.errors import DownstreamUnavailable, NotFound
from concierge_common.storage.media_storage import MediaStorage

log = logging.getLogger(__name__)

MAX_BASE64_BYTES = 5 * 1024 * 1024
MAX_BYTES = MAX_BASE64_BYTES // 4 * 3
MAX_IMAGES = 4
MediaType = Literal["image/jpeg", "image/png", "image/gif", "image/webp"]


def sniffed_type(data: bytes) -> MediaType | None:
    """The image type ``data`` starts like, among those Claude reads."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def block(data: bytes) -> ImageBlockParam | None:
    """The content block of an image file, or None when Claude cannot take it."""
    kind = sniffed_type(data)
    if kind is None or len(data) > MAX_BYTES:
        return None
    encoded = base64.b64encode(data).decode("ascii")
    return {"type": "image", "source": {"type": "base64", "media_type": kind, "data": encoded}}


class ImageLoader:
    """Reads the images of a turn from the media storage."""

    def __init__(self, storage: MediaStorage) -> None:
        self._storage = storage

    async def blocks_of(self, turn: GenerateReply) -> list[ImageBlockParam]:
        """The image blocks of the turn's newest readable images, oldest first."""
        blocks: list[ImageBlockParam] = []
        for media in reversed(media_replies.images(turn)):
            if len(blocks) == MAX_IMAGES:
                log.info("more images than claude is sent, the oldest left out")
                break
            image = await self._block(media)
            if image is not None:
                blocks.append(image)
        blocks.reverse()
        return blocks

    async def _block(self, media: MediaRef) -> ImageBlockParam | None:
        if media.size > MAX_BYTES:
            log.info("image too large for claude, left out")
            return None
        try:
            data = await self._storage.get(media.storage_key)
        except NotFound:
            log.warning("image gone from the media storage, left out")
            return None
        except OSError as exc:
            raise DownstreamUnavailable(f"media storage get: {type(exc).__name__}") from exc
        image = block(data)
        if image is None:
            log.info("image in a format or size claude does not take, left out")
        return image
