"""Messages exchanged on the bus, as tagged and versioned msgspec structs.

Events are named in the past tense (``MessageReceived``), commands in the
imperative (``GenerateReply``). The JSON carries a ``type`` tag such as
``message.received.v1``; a new optional field gets a default, a breaking
change gets a new tag. Unknown fields are ignored on decode so that an older
consumer keeps working while a newer producer adds fields.
"""

from __future__ import annotations

import time
from typing import Any, TypeVar

import msgspec

from concierge_common.contracts.store_api import InteractionView
from concierge_common.errors import InvalidMessage


class BusMessage(msgspec.Struct, tag_field="type", kw_only=True, frozen=True, omit_defaults=True):
    """Fields every bus message carries."""

    message_id: str
    conversation_id: str
    correlation_id: str
    created_at: float = msgspec.field(default_factory=time.time)


class MediaRef(msgspec.Struct, kw_only=True, frozen=True, omit_defaults=True):
    """A file a person sent: where WAHA offered it, and where the concierge keeps it.

    The gateway downloads ``url`` as soon as the webhook arrives (WAHA deletes
    it after about three minutes) and stores it in the media storage
    (:mod:`concierge_common.storage.media_storage`) under ``storage_key``. When the file
    was not kept, ``storage_key`` is empty and ``error`` says why, as one of
    :data:`MEDIA_ERRORS`.
    """

    url: str = ""
    mimetype: str = ""
    filename: str = ""
    error: str = ""
    storage_key: str = ""
    size: int = 0
    sha256: str = ""


# Why a received file was not kept (``MediaRef.error``).
MEDIA_TOO_LARGE = "too_large"  # above GATEWAY_MEDIA_MAX_BYTES
MEDIA_TYPE_REFUSED = "type_not_allowed"  # mime type not in GATEWAY_MEDIA_TYPES
MEDIA_UNAVAILABLE = "unavailable"  # WAHA did not give the file (expired, download failed...)
MEDIA_ERRORS = frozenset({MEDIA_TOO_LARGE, MEDIA_TYPE_REFUSED, MEDIA_UNAVAILABLE})


class Attachment(msgspec.Struct, kw_only=True, frozen=True, omit_defaults=True):
    """A file the concierge sends (an artifact such as an ``.ics``), already in media storage.

    ``artifact_type`` (``"ics"``, ``"pdf"``...) makes the store record an
    ``artifacts`` row for the session, produced by ``service``.
    """

    storage_key: str
    mimetype: str
    filename: str
    size: int = 0
    sha256: str = ""
    artifact_type: str = ""
    service: str = ""
    # What the artifact holds, for the artifacts row (no personal data beyond the session's).
    content: dict[str, Any] = msgspec.field(default_factory=dict)


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
    # "whatsapp" (through WAHA) or "api" (POST /orchestrate: a caller waits for the reply,
    # so the router answers at once instead of waiting for more messages of a burst).
    channel: str = "whatsapp"
    # The person's other WhatsApp ids resolved by the gateway (the phone id of an "@lid"
    # sender): the store keeps them on the same user, so roles survive a switch of id.
    aliases: list[str] = msgspec.field(default_factory=list)
    # "webhook", or "recovery" when fetched from WAHA's history after an outage.
    via: str = "webhook"


class OperatorMessageSeen(BusMessage, tag="message.operator.v1", frozen=True):
    """Someone wrote to a person straight from the organisation's phone, not through the API.

    WAHA's ``message.any`` with ``fromMe: true`` and ``source: "app"``: a human
    operator answering from the phone. It travels on the person's ``inbound``
    flow (``chat_id`` is the person's chat) so it is ordered with their messages;
    the router hands the conversation to that human (the bot falls silent).
    """

    session: str
    chat_id: str
    provider_message_id: str
    text: str = ""
    sent_at: float = 0.0
    event_id: str = ""
    # The person's other WhatsApp ids (as on MessageReceived): a takeover of an "@lid"
    # chat lands on the user who owns the phone id.
    aliases: list[str] = msgspec.field(default_factory=list)


API_SESSION = "api"  # the pseudo WAHA session of the people of POST /orchestrate


def channel_of(message: MessageReceived) -> str:
    """The channel a message came by, as every budget names it: ``api:<subject>`` for
    an API caller's person (``<subject>:<user>@api``), else ``whatsapp:<WAHA session>``."""
    if message.channel == "api" or message.session == API_SESSION:
        subject, _, _ = message.chat_id.partition(":")
        return f"api:{subject}"
    return f"whatsapp:{message.session}"


def written_time(message: MessageReceived | OperatorMessageSeen) -> float:
    """When ``message`` was written, in Unix seconds: the earlier of WhatsApp's time
    (``sent_at``, whole seconds) and the gateway's (``created_at``).

    The earlier of the two, so that neither a late webhook nor a clock ahead of
    ours makes a message look newer than it is: the store drops what was
    written before the erasure of its person (:mod:`store.tombstones`), and a
    redelivery or a replay from WAHA's history keeps the time of the original.
    """
    if message.sent_at > 0:
        return min(message.sent_at, message.created_at)
    return message.created_at


class GenerateReply(BusMessage, tag="reply.generate.v1", frozen=True):
    """Router asks ai to answer one turn of a conversation.

    A turn is one or several messages the person sent in a quick burst
    (coalesced by the router): ``inbound`` is the last of them, ``texts`` all
    of their texts, oldest first. ``media`` holds the turn's received files,
    oldest first, the last message's included (a photo sent just before the
    question); when empty, ``inbound.media`` is the turn's only file. ``family``
    is set only for a verified parent in CATECHESE and holds that family's
    record alone (never another's).
    """

    inbound: MessageReceived
    service: str = "RENSEIGNEMENT"
    texts: list[str] = msgspec.field(default_factory=list)
    session_id: str = ""
    user_id: str = ""  # the store's id of the person (to open a handoff)
    user_ref: str = ""  # an opaque keyed hash of the person, never a phone number
    family: dict[str, Any] | None = None
    media: list[MediaRef] = msgspec.field(default_factory=list)
    # The session's last messages when the turn began, oldest first, as the store's
    # ``session.open`` gave them to the router (None: not carried; ai asks the store).
    history: list[InteractionView] | None = None

    def turn_texts(self) -> list[str]:
        """Every text of the turn, oldest first (the inbound text when not coalesced)."""
        if self.texts:
            return list(self.texts)
        return [self.inbound.text] if self.inbound.text else []


class HandoffRequested(BusMessage, tag="handoff.requested.v1", frozen=True):
    """A handoff was opened (store ``handoff.open``); the handoff service alerts staff.

    Whoever decides (router: the person asked, a lockout, an error; ai: it cannot
    answer) opens the handoff in the store first, so the very next message of the
    person is already relayed to a human, then publishes this on ``handoff``.
    """

    inbound: MessageReceived
    reason: str
    requested_by: str = "ai"
    handoff_id: str = ""
    reference: str = ""
    summary: str = ""  # the turn's texts, for the staff alert


class RelayToStaff(BusMessage, tag="handoff.relay.v1", frozen=True):
    """The person wrote while a human owns the conversation: forward it to staff.

    ``cancel`` is set when the person asked to get back to the assistant
    ("menu", "annuler", "stop"...): the handoff service returns the conversation.
    """

    inbound: MessageReceived
    cancel: bool = False


class StaffMessageReceived(BusMessage, tag="handoff.staff_message.v1", frozen=True):
    """A message from the staff chat (``STAFF_CHAT_ID``): a reply or a command for the desk."""

    inbound: MessageReceived


class ProcessingFailed(BusMessage, tag="processing.failed.v1", frozen=True):
    """A conversation's message was dead-lettered: a person may be left without an answer.

    Published on the conversation's ``failed`` flow next to the dead-letter
    copy (:mod:`concierge_common.bus.settle`); the handoff service hands the
    conversation to a human. ``original`` is the failed message's JSON.
    """

    service: str
    flow: str
    error_type: str
    original: msgspec.Raw


class SendReply(BusMessage, tag="reply.send.v1", frozen=True):
    """A text to deliver to a WhatsApp chat through WAHA.

    Everything a person reads from the concierge travels on their conversation's
    ``ai`` flow (ai forwards a ready ``SendReply`` untouched to ``outbound``), so
    router notices, handoff notices, staff relays and answers keep their order.
    Only staff-chat alerts are published straight to ``outbound``.
    ``origin``: ai, router, handoff, staff.
    """

    session: str
    chat_id: str
    text: str
    in_reply_to: str = ""
    origin: str = "ai"
    # A file to send with ``sendFile``; ``text`` is then its caption.
    attachment: Attachment | None = None
    # WAHA's id of the person's message this answers (for ``sendSeen``), when known.
    in_reply_to_provider_id: str = ""
    # When what this reply answers was written (``written_time`` of the person's message;
    # Unix seconds), 0 when the reply answers nothing older than itself (a staff answer, a
    # notice). The store never records a reply that answers a person erased since then.
    in_reply_to_at: float = 0.0


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
    attachment: Attachment | None = None
    # WAHA's ids of every part when a long reply went out in several messages.
    provider_message_ids: list[str] = msgspec.field(default_factory=list)
    # The reply's ``in_reply_to_at``, else when the reply was made (never 0 from the gateway).
    in_reply_to_at: float = 0.0


class ReplyFailed(BusMessage, tag="reply.failed.v1", frozen=True):
    """WAHA refused a reply for good (463, another 4xx): recorded, counted, never retried.

    Published on the ``sent`` flow (the store records the undelivered reply);
    the ``SendReply`` itself is dead-lettered, so the handoff service's rescue
    tells staff when a person is left without their answer.
    """

    reply_id: str
    session: str
    chat_id: str
    text: str
    origin: str = "ai"
    in_reply_to: str = ""
    status: int = 0  # WAHA's HTTP status (463: WhatsApp's reachout timelock)
    reason: str = ""  # "timelock", "rejected", "invalid_chat"...
    attachment: Attachment | None = None
    in_reply_to_at: float = 0.0  # as on ReplySent


class ReceiptSeen(BusMessage, tag="message.receipt.v1", frozen=True):
    """A delivery receipt (``message.ack``) or a reaction (``message.reaction``) from WAHA.

    Never answered: the store updates the interaction it concerns (its delivery
    status, the person's reaction) and metrics count them. Travels on the
    ``sent`` flow of the chat's conversation.
    """

    session: str
    chat_id: str
    kind: str  # "ack" or "reaction"
    target_provider_id: str  # WAHA's id of the message acknowledged or reacted to
    ack: int = 0  # -1 ERROR, 0 PENDING, 1 SERVER, 2 DEVICE, 3 READ, 4 PLAYED
    ack_name: str = ""
    reaction: str = ""  # the emoji; "" when a reaction was removed
    from_me: bool = False  # the receipt concerns one of the organisation's messages
    event_id: str = ""
    seen_at: float = 0.0


AnyMessage = (
    MessageReceived
    | OperatorMessageSeen
    | GenerateReply
    | HandoffRequested
    | RelayToStaff
    | StaffMessageReceived
    | SendReply
    | ReplySent
    | ReplyFailed
    | ReceiptSeen
    | ProcessingFailed
)

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
