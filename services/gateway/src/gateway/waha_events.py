"""Lenient models of WAHA webhook bodies.

Every field is optional and unknown fields are ignored: WAHA's payloads differ
between engines (WEBJS, NOWEB, GOWS) and versions, and its published schema is
stricter than what it really sends. The payload is kept raw until the event
type says how to read it.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

from concierge_common.errors import InvalidRequest

T = TypeVar("T")


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


class WahaReaction(msgspec.Struct, kw_only=True):
    text: str | None = None  # the emoji; "" when the reaction was removed
    message_id: str | None = msgspec.field(default=None, name="messageId")


class WahaReceipt(msgspec.Struct, kw_only=True):
    """The payload of ``message.ack`` and ``message.reaction`` events.

    For an ack, ``id`` is the acknowledged message; for a reaction, ``id`` is
    the reaction itself and ``reaction.messageId`` the message reacted to.
    """

    id: str | None = None
    timestamp: float | None = None
    from_: str | None = msgspec.field(default=None, name="from")
    to: str | None = None
    participant: str | None = None
    from_me: bool | None = msgspec.field(default=None, name="fromMe")
    ack: float | None = None  # -1 ERROR ... 4 PLAYED
    ack_name: str | None = msgspec.field(default=None, name="ackName")
    reaction: WahaReaction | None = None


class WahaStatusEntry(msgspec.Struct, kw_only=True):
    status: str | None = None
    timestamp: float | None = None  # milliseconds


class WahaSessionStatus(msgspec.Struct, kw_only=True):
    """The payload of ``session.status`` (``statuses``: the last three, oldest first)."""

    name: str | None = None
    status: str | None = None
    statuses: list[WahaStatusEntry] | None = None


class WahaMe(msgspec.Struct, kw_only=True):
    """The organisation's own account (the envelope's ``me``; ``null`` before login)."""

    id: str | None = None
    lid: str | None = None


class WahaEnvelope(msgspec.Struct, kw_only=True):
    """The envelope WAHA wraps around every event."""

    id: str | None = None
    timestamp: float | None = None  # milliseconds
    event: str | None = None
    session: str | None = None
    engine: str | None = None
    me: msgspec.Raw = msgspec.Raw(b"null")  # read only when needed (:func:`own_ids`)
    payload: msgspec.Raw = msgspec.Raw(b"null")


envelope_decoder = msgspec.json.Decoder(WahaEnvelope)
message_decoder = msgspec.json.Decoder(WahaMessage)
receipt_decoder = msgspec.json.Decoder(WahaReceipt)
session_status_decoder = msgspec.json.Decoder(WahaSessionStatus)
me_decoder = msgspec.json.Decoder(WahaMe | None)


def own_ids(envelope: WahaEnvelope) -> frozenset[str]:
    """The organisation's own chat ids named by the envelope (none when unknown or odd)."""
    try:
        me = me_decoder.decode(envelope.me)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return frozenset()
    if me is None:
        return frozenset()
    return frozenset(value for value in (me.id, me.lid) if value)


def decode_payload(raw: msgspec.Raw, decoder: msgspec.json.Decoder[T], what: str) -> T:
    """An event's payload; :class:`InvalidRequest` (422) when it is missing or unusable."""
    if bytes(raw).strip() in (b"", b"null"):
        raise InvalidRequest("missing 'payload'", status=422)
    try:
        return decoder.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise InvalidRequest(f"unexpected {what} payload: {exc}", status=422) from exc
