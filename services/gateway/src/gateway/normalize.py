"""From a raw WAHA webhook body to the bus message to publish, or a reason to ignore it.

A person's message becomes a ``MessageReceived``. A message a human typed on
the organisation's phone (``message.any`` with ``fromMe: true`` and ``source:
"app"``, docs/waha.md section 3) becomes an ``OperatorMessageSeen`` on the person's
conversation: the takeover signal. The organisation's other own messages
(``source: "api"``: WAHA's echo of what the concierge sent) are ignored.

What a bot must ignore (docs/waha.md section 6, :mod:`gateway.ignore_rules`):
groups, channels, status updates and broadcast lists, WhatsApp's null and Meta
AI ids. The one group that is not ignored is the staff chat (``STAFF_CHAT_ID``):
its messages are published like any other, the router recognises them. A group
is never taken over, and neither is the staff chat.

Other events are never answered: receipts and reactions become ``ReceiptSeen``
(:mod:`gateway.receipts_normalize`), ``session.status`` a
:class:`SessionStatusChange` (alerting and history recovery), and everything
else is ignored as ``not_a_message``.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from concierge_common import ids
from concierge_common.contracts.messages import (
    MediaRef,
    MessageReceived,
    OperatorMessageSeen,
    ReceiptSeen,
)
from concierge_common.errors import InvalidRequest
from gateway.ignore_rules import Ignored, ignore_reason
from gateway.receipts_normalize import GROUP_RECEIPT_EVENT, RECEIPT_EVENTS, receipt
from gateway.waha_events import (
    WahaEnvelope,
    WahaMessage,
    decode_payload,
    envelope_decoder,
    message_decoder,
    session_status_decoder,
)

__all__ = [
    "Ignored",
    "Normalized",
    "SessionStatusChange",
    "normalize",
    "parse_envelope",
]

MESSAGE_EVENTS = frozenset({"message", "message.any"})
# Only ``message.any`` carries the organisation's own messages (``message``: others only).
OWN_MESSAGES_EVENT = "message.any"
# ``source`` of an own message typed by a human on the phone (``"api"``: sent by WAHA for us).
HUMAN_SOURCE = "app"
SESSION_STATUS_EVENT = "session.status"


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
    session = envelope.session or default_session
    if event in RECEIPT_EVENTS:
        return receipt(envelope, session=session, conversation_key=conversation_key)
    if event == GROUP_RECEIPT_EVENT:
        return Ignored(event, "group_receipt")  # we never write to groups but the staff's
    if event == SESSION_STATUS_EVENT:
        return session_status(envelope, default_session)
    if event not in MESSAGE_EVENTS:
        return Ignored(event, "not_a_message")
    message = decode_payload(envelope.payload, message_decoder, "message")
    if message.from_me:
        reason = _own_message_reason(event, message, staff_chat_id)
        if reason:
            return Ignored(event, reason)
        return _operator_message(envelope, message, session, conversation_key)
    staff = bool(staff_chat_id) and message.from_ == staff_chat_id
    reason = ignore_reason(message.from_, message.participant, message.id, allow_group=staff)
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


def session_status(envelope: WahaEnvelope, default_session: str) -> SessionStatusChange:
    """The session's new status and the ones WAHA reported just before (newest last)."""
    try:
        payload = session_status_decoder.decode(envelope.payload)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise InvalidRequest(f"unexpected session.status payload: {exc}", status=422) from exc
    if not payload.status:
        raise InvalidRequest("session.status payload needs 'status'", status=422)
    entries = [entry for entry in payload.statuses or () if entry.status]
    if entries and entries[-1].status == payload.status:
        entries = entries[:-1]  # WAHA lists the new status last: keep only the earlier ones
    at_ms = envelope.timestamp or (payload.statuses[-1].timestamp if payload.statuses else None)
    return SessionStatusChange(
        session=envelope.session or payload.name or default_session,
        status=payload.status,
        previous=tuple(entry.status for entry in entries if entry.status),
        at=(at_ms or 0.0) / 1000.0,
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
    reason = ignore_reason(chat, message.participant, message.id, allow_group=False)
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
