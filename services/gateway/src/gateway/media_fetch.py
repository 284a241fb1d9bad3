"""Received files, downloaded from WAHA at once and kept in the media storage.

WAHA deletes a received file about three minutes after the message
(docs/waha.md section 10), so the webhook's path downloads it before publishing.
A file whose type is not allowed is not downloaded, nor one above the size
limit; a file WAHA no longer has (a webhook delivered late by retries) is
fetched again through ``getMessage?downloadMedia=true``, once. Whatever goes
wrong with a file, the message is published: ``MediaRef.error`` says why the
file was not kept, so the reply can say so politely.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import posixpath
from urllib.parse import unquote, urlsplit

from msgspec.structs import replace

from concierge_common.contracts.messages import (
    MEDIA_TOO_LARGE,
    MEDIA_TYPE_REFUSED,
    MEDIA_UNAVAILABLE,
    MediaRef,
    MessageReceived,
)
from concierge_common.errors import ConciergeError, DownstreamRejected
from concierge_common.storage.media_storage import MediaStorage, media_key
from gateway import metrics
from gateway.ingest import Incoming
from gateway.waha_client import MediaTooLarge, WahaClient

log = logging.getLogger(__name__)

MEDIA_KINDS = frozenset({"image", "audio", "video", "document"})
FILES_PREFIX = "/api/files/"
STORED = "stored"
EXPIRED_STATUS = 404
# Where the mimetypes module has no answer, or not the usual one.
_EXTENSIONS = {
    "audio/ogg": ".ogg",
    "audio/opus": ".opus",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "audio/aac": ".aac",
    "audio/amr": ".amr",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "video/mp4": ".mp4",
    "video/3gpp": ".3gp",
    "text/plain": ".txt",
    "application/pdf": ".pdf",
}


class MediaFetcher:
    """Enricher: downloads a message's file and stores it in the media storage."""

    def __init__(
        self,
        waha: WahaClient,
        storage: MediaStorage,
        *,
        max_bytes: int,
        types: tuple[str, ...],
    ) -> None:
        self._waha = waha
        self._storage = storage
        self._max_bytes = max_bytes
        self._types = tuple(t.strip().lower() for t in types if t.strip())

    async def enrich(self, message: Incoming) -> Incoming:
        if not isinstance(message, MessageReceived) or message.kind not in MEDIA_KINDS:
            return message
        media = await self._kept(message, message.media or MediaRef())
        metrics.MEDIA.labels(message.kind, media.error or STORED).inc()
        return replace(message, media=media)

    async def _kept(self, message: MessageReceived, ref: MediaRef) -> MediaRef:
        """``ref`` with where the file is kept, or with why it is not."""
        if not ref.url or ref.error:
            return replace(ref, error=MEDIA_UNAVAILABLE)
        if not in_files(ref.url):
            _warn("received file with a path outside WAHA's files", message, None)
            return replace(ref, error=MEDIA_UNAVAILABLE)
        if not self.allowed(ref.mimetype):
            return replace(ref, error=MEDIA_TYPE_REFUSED)
        try:
            data = await self._download(message, ref.url)
        except MediaTooLarge:
            return replace(ref, error=MEDIA_TOO_LARGE)
        except ConciergeError as exc:
            _warn("received file not downloaded", message, exc)
            return replace(ref, error=MEDIA_UNAVAILABLE)
        digest = hashlib.sha256(data).hexdigest()
        key = media_key("in", digest, extension_of(ref.mimetype))
        try:
            await self._storage.put(key, data, base_type(ref.mimetype))
        except (ConciergeError, OSError) as exc:
            _warn("received file not stored", message, exc)
            return replace(ref, error=MEDIA_UNAVAILABLE)
        metrics.MEDIA_BYTES.observe(len(data))
        return replace(ref, error="", storage_key=key, size=len(data), sha256=digest)

    def allowed(self, mimetype: str) -> bool:
        """Whether a file of this type may be downloaded (``GATEWAY_MEDIA_TYPES`` prefixes)."""
        kind = base_type(mimetype)
        return bool(kind) and any(kind.startswith(prefix) for prefix in self._types)

    async def _download(self, message: MessageReceived, url: str) -> bytes:
        """The file's bytes; once more from a fresh URL when WAHA's file had expired."""
        try:
            return await self._waha.download(url, max_bytes=self._max_bytes)
        except MediaTooLarge:
            raise
        except DownstreamRejected as exc:
            if exc.status != EXPIRED_STATUS:
                raise
        fresh = await self._waha.get_message(
            message.session, message.chat_id, message.provider_message_id, download_media=True
        )
        media = (fresh or {}).get("media")
        fresh_url = media.get("url") if isinstance(media, dict) else None
        if not isinstance(fresh_url, str) or not in_files(fresh_url):
            raise DownstreamRejected("WAHA has the file no more", status=EXPIRED_STATUS)
        return await self._waha.download(fresh_url, max_bytes=self._max_bytes)


def in_files(url: str) -> bool:
    """Whether ``url``'s path stays in WAHA's ``/api/files/`` once normalised.

    Percent-encoded dots and slashes are decoded first (``%2e%2e%2f``); a path with
    ``.`` or ``..`` segments, empty segments or a backslash is refused outright
    rather than normalised: WAHA never produces one.
    """
    path = urlsplit(url).path
    decoded = unquote(path)
    if "\\" in decoded or "\x00" in decoded:
        return False
    if posixpath.normpath(decoded) != decoded or "//" in decoded:
        return False
    return decoded.startswith(FILES_PREFIX) and len(decoded) > len(FILES_PREFIX)


def base_type(mimetype: str) -> str:
    """``audio/ogg; codecs=opus`` -> ``audio/ogg``."""
    return mimetype.split(";", 1)[0].strip().lower()


def extension_of(mimetype: str) -> str:
    """The usual file extension of a mime type, with its dot (``""`` when unknown)."""
    kind = base_type(mimetype)
    return _EXTENSIONS.get(kind) or mimetypes.guess_extension(kind, strict=False) or ""


def _warn(what: str, message: MessageReceived, exc: Exception | None) -> None:
    """No person's id (chat, WAHA message id) in the log: the bus message id is opaque."""
    log.warning(
        "%s: %s",
        what,
        type(exc).__name__ if exc else "refused",
        extra={"message_id": message.message_id, "status": getattr(exc, "status", None)},
    )
