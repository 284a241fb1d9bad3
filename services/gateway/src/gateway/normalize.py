"""From a raw WAHA webhook body to the bus message to publish, or a reason to ignore it.

A person's message becomes a ``MessageReceived``. A message a human typed on
the organisation's phone (``message.any`` with ``fromMe: true`` and ``source:
"app"``, WAHA.md section 3) becomes an ``OperatorMessageSeen`` on the person's
conversation: the takeover signal. The organisation's other own messages
(``source: "api"``: WAHA's echo of what the concierge sent) are ignored.

What a bot must ignore (WAHA.md section 6): groups, channels, status updates
and broadcast lists, WhatsApp's null and Meta AI ids, and every event that is
not a new message (acks, reactions, session status: counted, never answered).
The one group that is not ignored is the staff chat (``STAFF_CHAT_ID``): its
messages are published like any other, the router recognises them. A group is
never taken over, and neither is the staff chat.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from concierge_common import ids
from concierge_common.errors import InvalidRequest
from concierge_common.messages import (
    MediaRef,
    MessageReceived,
    OperatorMessageSeen,
    ReceiptSeen,
)
from gateway.waha_events import (
    WahaEnvelope,
    WahaMessage,
    envelope_decoder,
    message_decoder,
)

MESSAGE_EVENTS = frozenset({"message", "message.any"})
# Only ``message.any`` carries the organisation's own messages (``message``: others only).
OWN_MESSAGES_EVENT = "message.any"
# ``source`` of an own message typed by a human on the phone (``"api"``: sent by WAHA for us).
HUMAN_SOURCE = "app"
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


@dataclass(frozen=True)
class SessionStatusChange:
    """A ``session.status`` event: WAHA's session is now ``status``.

    ``previous`` holds the statuses WAHA reported just before (newest last,
    from ``payload.statuses`` when the engine sends them).
    """

    session: str
    status: str
    previous: tuple[str, ...] = ()
    at: float = 0.0  # seconds


Normalized = MessageReceived | OperatorMessageSeen | ReceiptSeen | SessionStatusChange | Ignored


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
    envelope: WahaEnvelope,
    *,
    conversation_key: str,
    default_session: str,
    staff_chat_id: str = "",
) -> Normalized:
    """Turn a decoded envelope into the bus message to publish, or say why not."""
    event = envelope.event or ""
    if event not in MESSAGE_EVENTS:
        return Ignored(event, "not_a_message")
    message = _decode_message(envelope.payload)
    session = envelope.session or default_session
    if message.from_me:
        reason = _own_message_reason(event, message, staff_chat_id)
        if reason:
            return Ignored(event, reason)
        return _operator_message(envelope, message, session, conversation_key)
    staff = bool(staff_chat_id) and message.from_ == staff_chat_id
    reason = _ignore_reason(message.from_, message.participant, message.id, allow_group=staff)
    if reason:
        return Ignored(event, reason)
    if not message.id or not message.from_:
        raise InvalidRequest("message payload needs 'id' and 'from'", status=422)
    message_id = _message_id(session, message.id)
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


def _operator_chat(message: WahaMessage) -> str | None:
    """The person's chat of an own message.

    WEBJS: ``from`` is our own id and ``to`` the chat; NOWEB/GOWS: ``from`` is
    the chat (the remote jid) and ``to`` is often absent.
    """
    return message.to or message.from_


def _own_message_reason(event: str, message: WahaMessage, staff_chat_id: str) -> str:
    """Why an own message is no takeover signal ("" when a human wrote to a person)."""
    if event != OWN_MESSAGES_EVENT or message.source != HUMAN_SOURCE:
        return "own_message"  # WAHA's echo of what the concierge sent, or an unknown origin
    chat = _operator_chat(message)
    reason = _ignore_reason(chat, message.participant, message.id, allow_group=False)
    if reason:
        return reason
    if staff_chat_id and chat == staff_chat_id:
        return "own_message"  # writing to the staff is not taking a person over
    return ""


def _operator_message(
    envelope: WahaEnvelope, message: WahaMessage, session: str, conversation_key: str
) -> OperatorMessageSeen:
    chat = _operator_chat(message)
    if not message.id or not chat:
        raise InvalidRequest("own message payload needs 'id' and 'to' or 'from'", status=422)
    message_id = _message_id(session, message.id)
    return OperatorMessageSeen(
        message_id=message_id,
        conversation_id=ids.conversation_id(conversation_key, session, chat),
        correlation_id=envelope.id or message_id,
        session=session,
        chat_id=chat,
        provider_message_id=message.id,
        text=(message.body or "").strip(),
        sent_at=float(message.timestamp or 0.0),
        event_id=envelope.id or "",
    )


def _message_id(session: str, provider_message_id: str) -> str:
    """The same WAHA message (a retried webhook, ``message`` and ``message.any``) has one id."""
    return ids.derived_id("gateway", f"{session}\x1f{provider_message_id}")


def _decode_message(payload: msgspec.Raw) -> WahaMessage:
    if bytes(payload).strip() in (b"", b"null"):
        raise InvalidRequest("missing 'payload'", status=422)
    try:
        return message_decoder.decode(payload)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise InvalidRequest(f"unexpected message payload: {exc}", status=422) from exc


def _ignore_reason(
    chat: str | None, participant: str | None, message_id: str | None, *, allow_group: bool
) -> str:
    # Docs bodies are inconsistent (a group id in ``id`` only...): look at all three.
    for value in (chat, participant, message_id):
        if not value:
            continue
        if value.startswith("status@broadcast") or "_status@broadcast_" in value:
            return "status"
        for suffix, reason in _IGNORED_SUFFIXES:
            if suffix in value and not (allow_group and reason == "group"):
                return reason
    if chat == "0@c.us":
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
