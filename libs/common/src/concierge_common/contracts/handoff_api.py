"""The handoff service's request/reply contract: the staff desk.

The staff console (through the gateway's HTTP API) and the staff WhatsApp chat
drive the same desk actions, answered by the handoff service on
``rpc.v1.handoff.<operation>``. Results reuse the store's handoff views.
Errors: ``NotFound`` (404) for an unknown handoff, ``Conflict`` (409) when the
handoff is no longer in a state that allows the action (already returned...).
"""

from __future__ import annotations

import msgspec

from concierge_common.contracts.store_api import HandoffEventView, HandoffState, HandoffView

SERVICE = "handoff"

DESK_LIST = "desk.list"  # DeskQuery -> list[HandoffView], oldest first
DESK_GET = "desk.get"  # DeskAction(id) -> DeskHandoff
DESK_REPLY = "desk.reply"  # DeskReply -> HandoffView (relays the text to the person)
DESK_ASSIGN = "desk.assign"  # DeskAction -> HandoffView
DESK_RETURN = "desk.return"  # DeskAction -> HandoffView (back to the bot; the person is told)
DESK_CLOSE = "desk.close"  # DeskAction -> HandoffView


class _Struct(msgspec.Struct, kw_only=True, frozen=True, omit_defaults=True):
    pass


class DeskQuery(_Struct, frozen=True):
    states: list[HandoffState] | None = None  # None: the open ones
    limit: int = 100


class DeskAction(_Struct, frozen=True):
    id: str
    staff: str = ""  # who acts: a display name, never a phone number


class DeskReply(_Struct, frozen=True):
    id: str
    text: str
    staff: str = ""
    request_id: str = ""


class DeskHandoff(_Struct, frozen=True):
    handoff: HandoffView
    events: list[HandoffEventView]
