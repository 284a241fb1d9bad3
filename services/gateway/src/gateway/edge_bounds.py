"""How long each field of a webhook may be: bounded at the edge, a clear 4xx beyond.

WhatsApp's own limit on a message is 65,536 characters: a longer ``body`` is no
WhatsApp message. Ids are short in real life (a chat id is about 30 characters, a
WAHA message id under 120, a session name a few words), so a field much longer
than any real one is refused with 422 naming the field (never its value) before
anything is published or stored. Unbounded ids used to reach the bus, which
refused the payload (503 for ever, so WAHA retried without end), and the store,
whose answers listing them grew past what the bus carries.

Every string field of what the webhook publishes is checked: the ones named in
:data:`LIMITS`, any other at :data:`DEFAULT_LIMIT`. The ids the gateway derives
itself (``message_id``, ``conversation_id``) are fixed-size hashes.
"""

from __future__ import annotations

import msgspec

from concierge_common.errors import InvalidRequest
from gateway.normalize import SessionStatusChange
from gateway.waha_events import WahaEnvelope

MAX_TEXT_CHARS = 65_536  # WhatsApp's own limit
MAX_CHAT_ID_CHARS = 128
MAX_SESSION_CHARS = 64
MAX_MESSAGE_ID_CHARS = 256
DEFAULT_LIMIT = 256
LIMITS: dict[str, int] = {
    "text": MAX_TEXT_CHARS,
    "session": MAX_SESSION_CHARS,
    "chat_id": MAX_CHAT_ID_CHARS,
    "sender_id": MAX_CHAT_ID_CHARS,
    "provider_message_id": MAX_MESSAGE_ID_CHARS,
    "target_provider_id": MAX_MESSAGE_ID_CHARS,
    "correlation_id": MAX_MESSAGE_ID_CHARS,
    "event_id": 64,
    "kind": 32,
    "url": 2048,
    "error": 200,
}
ENVELOPE_LIMITS: dict[str, int] = {"id": 64, "event": 64, "session": MAX_SESSION_CHARS}
# What WAHA calls the fields the bus message takes from its payload.
_WAHA_NAMES = {
    "text": "body",
    "chat_id": "from",
    "sender_id": "participant",
    "provider_message_id": "id",
    "target_provider_id": "id",
}


class FieldTooLong(InvalidRequest):
    """A field is longer than any real one (422)."""

    def __init__(self, field: str, limit: int) -> None:
        super().__init__(f"field {field!r} is longer than {limit} characters", status=422)
        self.field = field


def check_envelope(envelope: WahaEnvelope) -> None:
    """The envelope's own ids, before the payload is read."""
    for name, limit in ENVELOPE_LIMITS.items():
        value = getattr(envelope, name)
        if isinstance(value, str) and len(value) > limit:
            raise FieldTooLong(name, limit)


def check_result(result: object) -> None:
    """Every string field of what the webhook is about to publish or record."""
    if isinstance(result, SessionStatusChange):
        _check("session", result.session)
        _check("status", result.status)
    elif isinstance(result, msgspec.Struct):
        _check_struct(result)


def _check_struct(struct: msgspec.Struct) -> None:
    for name in struct.__struct_fields__:
        value = getattr(struct, name)
        if isinstance(value, str):
            _check(name, value)
        elif isinstance(value, msgspec.Struct):
            _check_struct(value)


def _check(name: str, value: str) -> None:
    limit = LIMITS.get(name, DEFAULT_LIMIT)
    if len(value) > limit:
        raise FieldTooLong(_WAHA_NAMES.get(name, name), limit)
