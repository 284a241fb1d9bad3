"""What the concierge never answers: groups, channels, status updates and broadcasts.

docs/waha.md section 6: a bot ignores groups (``...@g.us``), channels
(``...@newsletter``), Status stories (``status@broadcast``), broadcast lists,
WhatsApp's null id and Meta AI. The rules apply to messages, receipts and
history alike; the one group allowed through is the staff chat, and only where
the caller says so.
"""

from __future__ import annotations

from dataclasses import dataclass

_IGNORED_SUFFIXES = (
    ("@g.us", "group"),
    ("@newsletter", "channel"),
    ("@broadcast", "broadcast"),
    ("@meta.ai", "meta_ai"),
)
NULL_JID = "0@c.us"


@dataclass(frozen=True)
class Ignored:
    """A well-formed event the concierge does not answer."""

    event: str
    reason: str


def ignore_reason(
    chat: str | None, participant: str | None, message_id: str | None, *, allow_group: bool
) -> str:
    """Why a chat is not a person's ("" when it is one)."""
    # Docs bodies are inconsistent (a group id in ``id`` only...): look at all three.
    for value in (chat, participant, message_id):
        if not value:
            continue
        if value.startswith("status@broadcast") or "_status@broadcast_" in value:
            return "status"
        for suffix, reason in _IGNORED_SUFFIXES:
            if suffix in value and not (allow_group and reason == "group"):
                return reason
    if chat == NULL_JID:
        return "null_jid"
    return ""
