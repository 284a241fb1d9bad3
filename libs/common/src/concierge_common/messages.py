"""Messages exchanged on the bus, as tagged and versioned msgspec structs.

Events are named in the past tense (``MessageReceived``), commands in the
imperative (``GenerateReply``). The JSON carries a ``type`` tag such as
``message.received.v1``; a new optional field gets a default, a breaking
change gets a new tag. Unknown fields are ignored on decode so that an older
consumer keeps working while a newer producer adds fields.
"""

from __future__ import annotations

import time
from typing import TypeVar

import msgspec

from concierge_common.errors import InvalidMessage


class BusMessage(msgspec.Struct, tag_field="type", kw_only=True, frozen=True, omit_defaults=True):
    """Fields every bus message carries."""

    message_id: str
    conversation_id: str
    correlation_id: str
    created_at: float = msgspec.field(default_factory=time.time)


class MediaRef(msgspec.Struct, kw_only=True, frozen=True, omit_defaults=True):
    """Where WAHA keeps a received file (downloaded by a later stage)."""

    url: str = ""
    mimetype: str = ""
    filename: str = ""
    error: str = ""


class MessageReceived(BusMessage, tag="message.received.v1", frozen=True):
    """A person wrote to the organisation's WhatsApp number (normalised by the gateway)."""

    session: str
    chat_id: str
    sender_id: str
    provider_message_id: str
    kind: str = "text"
    text: str = ""
    sent_at: float = 0.0
    push_name: str = ""
    media: MediaRef | None = None
    event_id: str = ""


class GenerateReply(BusMessage, tag="reply.generate.v1", frozen=True):
    """Router asks ai to answer one turn of a conversation."""

    inbound: MessageReceived
    service: str = "RENSEIGNEMENT"


class HandoffRequested(BusMessage, tag="handoff.requested.v1", frozen=True):
    """Someone (the person, ai, an error) asks a human to take the conversation."""

    inbound: MessageReceived
    reason: str
    requested_by: str = "ai"


class SendReply(BusMessage, tag="reply.send.v1", frozen=True):
    """A text to deliver to a WhatsApp chat through WAHA."""

    session: str
    chat_id: str
    text: str
    in_reply_to: str = ""
    origin: str = "ai"


class ReplySent(BusMessage, tag="reply.sent.v1", frozen=True):
    """WAHA accepted a reply for delivery."""

    reply_id: str
    session: str
    chat_id: str
    text: str
    in_reply_to: str = ""
    origin: str = "ai"
    provider_message_id: str = ""
    sent_at: float = msgspec.field(default_factory=time.time)


AnyMessage = MessageReceived | GenerateReply | HandoffRequested | SendReply | ReplySent

M = TypeVar("M", bound=BusMessage)

_encoder = msgspec.json.Encoder()


def encode(message: BusMessage) -> bytes:
    """Serialise a bus message to JSON bytes."""
    return _encoder.encode(message)


class Codec:
    """Decodes the bytes of one flow into the message types that flow may carry."""

    def __init__(self, *types: type[BusMessage]) -> None:
        self._types = types
        target: object = types[0]
        for extra in types[1:]:
            target = target | extra
        self._decoder: msgspec.json.Decoder[BusMessage] = msgspec.json.Decoder(target)

    def decode(self, data: bytes) -> BusMessage:
        """Decode ``data`` or raise :class:`InvalidMessage` (never retried)."""
        try:
            return self._decoder.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise InvalidMessage(f"cannot decode bus message: {exc}") from exc
