"""Lenient models of WAHA webhook bodies.

Every field is optional and unknown fields are ignored: WAHA's payloads differ
between engines (WEBJS, NOWEB, GOWS) and versions, and its published schema is
stricter than what it really sends. The payload is kept raw until the event
type says how to read it.
"""

from __future__ import annotations

import msgspec


class WahaMedia(msgspec.Struct, kw_only=True):
    url: str | None = None
    mimetype: str | None = None
    filename: str | None = None
    error: object = None


class WahaMessage(msgspec.Struct, kw_only=True):
    """The payload of ``message`` and ``message.any`` events (WAHA's ``WAMessage``)."""

    id: str | None = None
    timestamp: float | None = None
    from_: str | None = msgspec.field(default=None, name="from")
    from_me: bool | None = msgspec.field(default=None, name="fromMe")
    source: str | None = None
    to: str | None = None
    participant: str | None = None
    body: str | None = None
    has_media: bool | None = msgspec.field(default=None, name="hasMedia")
    media: WahaMedia | None = None
    location: object = None
    v_cards: list[object] | None = msgspec.field(default=None, name="vCards")


class WahaEnvelope(msgspec.Struct, kw_only=True):
    """The envelope WAHA wraps around every event."""

    id: str | None = None
    timestamp: float | None = None
    event: str | None = None
    session: str | None = None
    engine: str | None = None
    payload: msgspec.Raw = msgspec.Raw(b"null")


envelope_decoder = msgspec.json.Decoder(WahaEnvelope)
message_decoder = msgspec.json.Decoder(WahaMessage)
