"""The store's answer to ``handoff.open``, as the in-memory stand-ins of the tests give it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from concierge_common.contracts import store_api as api

OPENED_AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def opened_view(request: api.HandoffOpen, **changes: Any) -> api.HandoffView:
    """A freshly opened handoff for ``request`` (``changes`` override any field)."""
    fields: dict[str, Any] = {
        "id": "h-1",
        "reference": "H7K2P",
        "conversation_id": request.conversation_id,
        "user_id": request.user_id,
        "session_id": "s-1",
        "wa_session": request.wa_session,
        "chat_id": request.chat_id,
        "state": "active" if request.assigned_to else "requested",
        "reason": request.reason,
        "requested_by": request.requested_by,
        "summary": request.summary,
        "assigned_to": request.assigned_to,
        "created_at": OPENED_AT,
        "updated_at": OPENED_AT,
        "first_staff_reply_at": None,
        "last_person_at": None,
        "last_staff_at": None,
        "notice_sent_at": None,
        "ended_at": None,
        "created": True,
    }
    fields.update(changes)
    return api.HandoffView(**fields)
