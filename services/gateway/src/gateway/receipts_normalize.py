"""WhatsApp's receipts (``message.ack``) and reactions (``message.reaction``) as ``ReceiptSeen``.

Never answered: the store moves the message's delivery status forward or sets
the person's reaction, and metrics count them (docs/waha.md section 3). Receipts in
groups, channels, status and broadcasts are ignored like messages there; the
per-participant receipts of group messages (``message.ack.group``) too.

A receipt's chat is the person's: for one of the organisation's messages WEBJS
puts the chat in ``to`` (``from`` is our own id), NOWEB and GOWS in ``from``;
the serialized id ``{fromMe}_{chat}_{id}`` names it too, read only as a last
resort (docs/waha.md section 5: some engines' ids lack the prefix).
"""

from __future__ import annotations

from concierge_common import ids
from concierge_common.contracts.messages import ReceiptSeen
from concierge_common.errors import InvalidRequest
from gateway.ignore_rules import Ignored, ignore_reason
from gateway.waha_events import (
    WahaEnvelope,
    WahaReceipt,
    decode_payload,
    own_ids,
    receipt_decoder,
)

ACK_EVENT = "message.ack"
REACTION_EVENT = "message.reaction"
RECEIPT_EVENTS = frozenset({ACK_EVENT, REACTION_EVENT})
GROUP_RECEIPT_EVENT = "message.ack.group"
# WAHA's ``ack`` values and their ``ackName``.
ACK_NAMES = {-1: "ERROR", 0: "PENDING", 1: "SERVER", 2: "DEVICE", 3: "READ", 4: "PLAYED"}

# Reaction values for the metrics (variation selectors and skin tones removed first).
POSITIVE_REACTIONS = frozenset("👍❤🙏😊👏🥰😍🤗💕💖💙💛💜🧡💚🤍😀😃😄😁🙂☺😇🌹✨💐🔥💯👌🙌✅🎉🫶")
NEGATIVE_REACTIONS = frozenset("👎😡😢😠😞😔😭🤬💔😤😕🙁☹😩")
_MODIFIERS = frozenset(chr(code) for code in (0xFE0F, *range(0x1F3FB, 0x1F400)))


def receipt(
    envelope: WahaEnvelope, *, session: str, conversation_key: str
) -> ReceiptSeen | Ignored:
    """The ``ReceiptSeen`` of an ack or a reaction, or why it is ignored."""
    event = envelope.event or ""
    payload = decode_payload(envelope.payload, receipt_decoder, "receipt")
    if event == REACTION_EVENT and payload.from_me:
        return Ignored(event, "own_reaction")  # reacted from the organisation's phone
    chat = receipt_chat(payload, own_ids(envelope))
    reason = ignore_reason(chat, payload.participant, payload.id, allow_group=False)
    if reason:
        return Ignored(event, reason)
    target = _target(event, payload)
    if not chat or not target:
        raise InvalidRequest(f"{event} payload needs the message's id and chat", status=422)
    key = _dedup_key(event, payload, target)
    message_id = ids.derived_id("gateway-receipt", f"{session}\x1f{key}")
    ack = int(payload.ack) if payload.ack is not None else 0
    is_ack = event == ACK_EVENT
    return ReceiptSeen(
        message_id=message_id,
        conversation_id=ids.conversation_id(conversation_key, session, chat),
        correlation_id=envelope.id or message_id,
        session=session,
        chat_id=chat,
        kind="ack" if is_ack else "reaction",
        target_provider_id=target,
        ack=ack if is_ack else 0,
        ack_name=_ack_name(payload) if is_ack else "",
        reaction=_reaction_text(payload),
        from_me=_concerns_own_message(event, payload, target),
        event_id=envelope.id or "",
        seen_at=float(payload.timestamp or 0.0),
    )


def receipt_chat(payload: WahaReceipt, own: frozenset[str] = frozenset()) -> str:
    """The person's chat a receipt belongs to ("" when none can be told)."""
    candidates = (payload.to, payload.from_) if payload.from_me else (payload.from_, payload.to)
    for candidate in candidates:
        if candidate and candidate not in own:
            return candidate
    return chat_of_serialized_id(payload.id or "")


def chat_of_serialized_id(serialized: str) -> str:
    """The chat named by ``{fromMe}_{chat}_{id}`` ("" for another shape)."""
    parts = serialized.split("_")
    if len(parts) >= 3 and parts[0] in ("true", "false") and "@" in parts[1]:
        return parts[1]
    return ""


def metric_value(seen: ReceiptSeen) -> str:
    """The bounded label of a receipt: the ack's name, or the reaction's mood."""
    if seen.kind == "ack":
        name = seen.ack_name.lower()
        return name if name.upper() in ACK_NAMES.values() else "unknown"
    if not seen.reaction:
        return "removed"
    base = "".join(char for char in seen.reaction if char not in _MODIFIERS)
    if base in POSITIVE_REACTIONS:
        return "positive"
    if base in NEGATIVE_REACTIONS:
        return "negative"
    return "other"


def _target(event: str, payload: WahaReceipt) -> str:
    if event == ACK_EVENT:
        return payload.id or ""
    return (payload.reaction.message_id if payload.reaction else None) or ""


def _ack_name(payload: WahaReceipt) -> str:
    if payload.ack_name:
        return payload.ack_name
    return ACK_NAMES.get(int(payload.ack), "") if payload.ack is not None else ""


def _reaction_text(payload: WahaReceipt) -> str:
    return (payload.reaction.text if payload.reaction else None) or ""


def _dedup_key(event: str, payload: WahaReceipt, target: str) -> str:
    """The same receipt (a retried webhook) gets the same id; a new ack level a new one."""
    if event == ACK_EVENT:
        return f"ack\x1f{target}\x1f{payload.ack}"
    reaction_id = payload.id or str(payload.timestamp or "")
    return f"reaction\x1f{target}\x1f{reaction_id}\x1f{_reaction_text(payload)}"


def _concerns_own_message(event: str, payload: WahaReceipt, target: str) -> bool:
    if event == ACK_EVENT:
        return bool(payload.from_me)
    return target.startswith("true_")
