"""Everything the router publishes, with ids derived from the message that caused it.

A redelivered message republishes the very same ids, which JetStream drops,
so a crash between publishing and acknowledging never doubles a reply.
What the person reads goes on their conversation's ``ai`` flow (the ordered
lane to ``outbound``, see :class:`SendReply`); handoff traffic on ``handoff``.
"""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

from concierge_common import ids
from concierge_common.contracts import store_api as api
from concierge_common.contracts.messages import (
    BusMessage,
    GenerateReply,
    HandoffRequested,
    MessageReceived,
    RelayToStaff,
    SendReply,
    StaffMessageReceived,
    written_time,
)
from router.coalescer import Turn

_SUMMARY_CHARS = 500


def user_ref(user_id: str) -> str:
    """An opaque reference to a person for downstream systems (never a phone number)."""
    return hashlib.sha256(f"concierge-user\x1f{user_id}".encode()).hexdigest()[:32]


class Publishing(Protocol):
    """What the outbox needs of :class:`concierge_common.bus.publisher.Publisher`."""

    async def publish(self, flow: str, message: BusMessage) -> object: ...


def carried(
    recent: list[api.InteractionView] | None, max_chars: int
) -> list[api.InteractionView] | None:
    """The history to carry with a turn: all of it, or None (ai then asks the store)
    when it is unknown or longer than ``max_chars`` characters."""
    if recent is None or sum(len(item.text) for item in recent) > max_chars:
        return None
    return recent


class Outbox:
    def __init__(self, publisher: Publishing, *, history_chars: int = 16_000) -> None:
        """``history_chars``: the longest session history carried with a turn."""
        self._publisher = publisher
        self._history_chars = history_chars

    async def say(self, message: MessageReceived, text: str, purpose: str) -> None:
        """Send ``text`` to the person who wrote ``message`` (``purpose`` keeps ids apart)."""
        await self._publisher.publish(
            "ai",
            SendReply(
                message_id=ids.derived_id(f"router-{purpose}", message.message_id),
                conversation_id=message.conversation_id,
                correlation_id=message.correlation_id,
                session=message.session,
                chat_id=message.chat_id,
                text=text,
                in_reply_to=message.provider_message_id,
                origin="router",
                in_reply_to_provider_id=message.provider_message_id,
                in_reply_to_at=written_time(message),
            ),
        )

    async def generate(
        self,
        turn: Turn,
        service: str,
        session: api.SessionView,
        family: dict[str, Any] | None,
        *,
        purpose: str = "turn",
    ) -> None:
        last = turn.last
        await self._publisher.publish(
            "ai",
            GenerateReply(
                message_id=ids.derived_id(f"router-{purpose}", last.message_id),
                conversation_id=last.conversation_id,
                correlation_id=last.correlation_id,
                inbound=last,
                service=service,
                texts=turn.texts,
                session_id=session.id,
                user_id=session.user_id,
                user_ref=user_ref(session.user_id),
                family=family,
                media=turn.media,
                history=carried(session.recent, self._history_chars),
            ),
        )

    async def handoff_requested(
        self, turn: Turn, handoff: api.HandoffView, *, reason: str, requested_by: str
    ) -> None:
        """Ask the handoff service to alert staff and tell the person a human will answer.

        Exactly once per hand-off, even when a redelivered turn finishes it again
        (:meth:`Conversation.finish_hand_off`): this request's id derives from the
        turn's last message, so JetStream drops a second one within the stream's
        duplicate window; and the handoff service derives the alert's and the
        person's notice's ids from the handoff's id, so a second request for the
        same handoff (within that window too) would not reach staff or the person twice.
        """
        last = turn.last
        await self._publisher.publish(
            "handoff",
            HandoffRequested(
                message_id=ids.derived_id("router-handoff", last.message_id),
                conversation_id=last.conversation_id,
                correlation_id=last.correlation_id,
                inbound=last,
                reason=reason,
                requested_by=requested_by,
                handoff_id=handoff.id,
                reference=handoff.reference,
                summary=summary(turn.texts),
            ),
        )

    async def relay(self, message: MessageReceived, *, cancel: bool) -> None:
        await self._publisher.publish(
            "handoff",
            RelayToStaff(
                message_id=ids.derived_id("router-relay", message.message_id),
                conversation_id=message.conversation_id,
                correlation_id=message.correlation_id,
                inbound=message,
                cancel=cancel,
            ),
        )

    async def to_desk(self, message: MessageReceived) -> None:
        await self._publisher.publish(
            "handoff",
            StaffMessageReceived(
                message_id=ids.derived_id("router-desk", message.message_id),
                conversation_id=message.conversation_id,
                correlation_id=message.correlation_id,
                inbound=message,
            ),
        )


def summary(texts: list[str]) -> str:
    joined = " / ".join(text.strip() for text in texts if text.strip())
    return joined if len(joined) <= _SUMMARY_CHARS else joined[: _SUMMARY_CHARS - 1] + "…"
