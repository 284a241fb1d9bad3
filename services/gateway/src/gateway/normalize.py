"""From a raw WAHA webhook body to a normalised ``MessageReceived``, or a reason to ignore it.

What a bot must ignore (WAHA.md section 6): groups, channels, status updates
and broadcast lists, WhatsApp's null and Meta AI ids, the organisation's own
messages (``fromMe``), and every event that is not a new message (acks,
reactions, session status: counted, never answered).
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from concierge_common import ids
from concierge_common.errors import InvalidRequest
from concierge_common.messages import MediaRef, MessageReceived
from gateway.waha_events import (
    WahaEnvelope,
    WahaMessage,
    envelope_decoder,
    message_decoder,
)

MESSAGE_EVENTS = frozenset({"message", "message.any"})
_IGNORED_SUFFIXES = (
    ("@g.us", "group"),
    ("@newsletter", "channel"),
    ("@broadcast", "broadcast"),
    ("@meta.ai", "meta_ai"),
)


@dataclass(frozen=True)
class Ignored:
    """A well-formed event the concierge does not answer."""

    event: str
    reason: str


def parse_envelope(raw: bytes) -> WahaEnvelope:
    """Decode the envelope; raise :class:`InvalidRequest` (400/422) when it is unusable."""
    try:
        envelope = envelope_decoder.decode(raw)
    except msgspec.ValidationError as exc:
        raise InvalidRequest(f"unexpected webhook shape: {exc}", status=422) from exc
    except msgspec.DecodeError as exc:
        raise InvalidRequest("body is not valid JSON", status=400) from exc
    if not envelope.event:
        raise InvalidRequest("missing 'event'", status=422)
    return envelope


def normalize(
    envelope: WahaEnvelope, *, conversation_key: str, default_session: str
) -> MessageReceived | Ignored:
    """Turn a decoded envelope into the bus message to publish, or say why not."""
    event = envelope.event or ""
    if event not in MESSAGE_EVENTS:
        return Ignored(event, "not_a_message")
    message = _decode_message(envelope.payload)
    reason = _ignore_reason(message)
    if reason:
        return Ignored(event, reason)
    if not message.id or not message.from_:
        raise InvalidRequest("message payload needs 'id' and 'from'", status=422)
    session = envelope.session or default_session
    message_id = ids.derived_id("gateway", f"{session}\x1f{message.id}")
    return MessageReceived(
        message_id=message_id,
        conversation_id=ids.conversation_id(conversation_key, session, message.from_),
        correlation_id=envelope.id or message_id,
        session=session,
        chat_id=message.from_,
        sender_id=message.participant or message.from_,
        provider_message_id=message.id,
        kind=_kind(message),
        text=(message.body or "").strip(),
        sent_at=float(message.timestamp or 0.0),
        media=_media(message),
        event_id=envelope.id or "",
    )


def _decode_message(payload: msgspec.Raw) -> WahaMessage:
    if bytes(payload).strip() in (b"", b"null"):
        raise InvalidRequest("missing 'payload'", status=422)
    try:
        return message_decoder.decode(payload)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise InvalidRequest(f"unexpected message payload: {exc}", status=422) from exc


def _ignore_reason(message: WahaMessage) -> str:
    if message.from_me:
        return "own_message"
    for value in (message.from_, message.participant, message.id):
        if not value:
            continue
        if value.startswith("status@broadcast") or "_status@broadcast_" in value:
            return "status"
        for suffix, reason in _IGNORED_SUFFIXES:
            if suffix in value:
                return reason
    if message.from_ == "0@c.us":
        return "null_jid"
    return ""


def _kind(message: WahaMessage) -> str:
    if message.has_media or message.media is not None:
        mimetype = (message.media.mimetype if message.media else None) or ""
        for prefix in ("image", "audio", "video"):
            if mimetype.startswith(prefix + "/"):
                return prefix
        return "document"
    if message.location:
        return "location"
    if message.v_cards:
        return "contact"
    return "text"


def _media(message: WahaMessage) -> MediaRef | None:
    media = message.media
    if media is None:
        return None
    return MediaRef(
        url=media.url or "",
        mimetype=media.mimetype or "",
        filename=media.filename or "",
        error="" if media.error in (None, False, "") else str(media.error)[:200],
    )
