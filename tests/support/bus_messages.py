"""Bus messages for the tests of the bus layer itself (consumers, retries, dead letters)."""

from __future__ import annotations

from concierge_common.contracts.messages import MessageReceived


def numbered_message(number: int, *, phone: str = "33600000030") -> MessageReceived:
    """The ``number``-th "Bonjour" of one person: ids derived from ``number``, one conversation."""
    chat = f"{phone}@c.us"
    return MessageReceived(
        message_id=f"{number:032x}",
        conversation_id=phone[-2:] * 16,
        correlation_id=f"corr-{number}",
        session="default",
        chat_id=chat,
        sender_id=chat,
        provider_message_id=f"false_{chat}_{number}",
        text="Bonjour",
    )
