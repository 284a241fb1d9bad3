"""Whether a WhatsApp message whose send is in doubt went out: WAHA is asked, never guessed.

Why a send can be in doubt
--------------------------
WAHA's send calls are not idempotent, and a call can end without WAHA's
answer: the client's timeout (``WAHA_TIMEOUT_SECONDS``) while a slow phone
session is still sending, a connection dropped after the request was written,
a proxy's 502 or 504, or the gateway dying during the call
(:class:`gateway.waha_client.NoAnswer`). WAHA may have sent the message, may
be sending it still, or may never send it; the gateway cannot tell which.

The rule: a message is sent again only when WAHA said it did not send it
------------------------------------------------------------------------
Each part is claimed in the ledger (:mod:`gateway.send_ledger`) just before the
call, under an id WAHA pre-generated for it, and the call's end is recorded:

* **WAHA accepted it**: marked sent; never sent again.
* **WAHA answered an error** (422 session not ready, 429, 500...) **or was never
  reached** (connection refused): the call is over, so what WAHA shows now is
  final. The next attempt looks the part up once more (a 500 may come after
  WhatsApp took the message) and, not found, sends it again under the same id.
* **No answer** (the case above): the part is **in doubt**. Each later attempt
  looks it up; found, it is marked sent and the reply goes on with its next
  part. Not found, it is *not* sent again: :class:`SendInDoubt` is raised, the
  bus retries after its delay (by then a slow session has usually delivered it
  and WAHA shows it), and once the attempts are spent the reply is
  dead-lettered. The dead letter of an ``outbound`` reply is a
  ``ProcessingFailed`` that the handoff service's rescue turns into a handoff
  to a human, with the reply's text shown to staff (:mod:`handoff.rescue`):
  a person checks the phone and follows up.

Why not doubling wins when WAHA cannot confirm either way: "not found" proves
nothing while WAHA may still be working on the request, and nothing bounds how
long a phone session takes, so any deadline after which the gateway sent again
would double a reply on a slow enough day. Sending again under the same
pre-generated id is no remedy: WAHA documents the id as the new message's id,
not as a key that makes a repeated send a no-op. A longer read timeout only
makes the doubt rarer. And the two failures are not alike: a reply that did not
arrive is caught up by a human the rescue alerts, while a doubled reply (or a
doubled calendar file) cannot be taken back and makes the concierge look
broken. So a lost answer costs, at worst, a human's follow-up; a reply is never
sent twice because an answer was lost.

How WAHA is asked
-----------------
1. By id: ``GET /api/{session}/chats/{chatId}/messages/true_{chatId}_{id}``
   (docs/waha.md sections 9.2 and 9.4).
2. Then among our own latest messages in the chat since the claim
   (``GET .../messages`` with ``filter.fromMe=true``): the one whose id contains
   the pre-generated id (an engine may serialize it differently, with the author
   in a group say); for a message sent without a pre-generated id (a file, an
   engine without them), the one with the same text (caption) and kind, written
   at most :data:`CLOCK_SLACK_SECONDS` before the claim (the gateway's and
   WhatsApp's clocks may differ). An identical text sent to the same chat within
   that window would be taken for it: the price of confirming a send without an
   id, which can only make a doubled message less likely, never more.

A lookup WAHA cannot answer now (unavailable) propagates and is retried like
any failure; one it refuses (an engine that cannot list or look up messages)
finds nothing: a part in doubt stays in doubt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from concierge_common.errors import DownstreamRejected, DownstreamUnavailable
from gateway.waha_client import WahaClient

log = logging.getLogger(__name__)

CLOCK_SLACK_SECONDS = 60.0
RECENT_LIMIT = 50


class SendInDoubt(DownstreamUnavailable):
    """A message may have gone out and WAHA does not show it: it is not sent again."""


@dataclass(frozen=True)
class Wanted:
    """A message the gateway asked WAHA to send, as far as it can be recognised."""

    session: str
    chat_id: str
    message_id: str  # the pre-generated id, "" when sent without one
    text: str  # the text, or a file's caption
    is_file: bool
    claimed_at: float | None  # Unix seconds of the claim; None for a claim without time


class SendCheck:
    """Looks a sent message up in WAHA."""

    def __init__(self, waha: WahaClient) -> None:
        self._waha = waha

    async def find(self, wanted: Wanted) -> str | None:
        """WAHA's id of the message (``""`` if it gives none), or None if WAHA does not show it."""
        if wanted.message_id:
            found = await self._by_id(wanted)
            if found is not None:
                return found
        return await self._among_recent(wanted)

    async def _by_id(self, wanted: Wanted) -> str | None:
        serialized = f"true_{wanted.chat_id}_{wanted.message_id}"
        try:
            found = await self._waha.get_message(wanted.session, wanted.chat_id, serialized)
        except DownstreamRejected as exc:
            log.warning("WAHA cannot look a message up by id (status %s)", exc.status)
            return None
        if found is None:
            return None
        return message_id(found) or serialized

    async def _among_recent(self, wanted: Wanted) -> str | None:
        since = _since(wanted)
        if since is None:
            return None
        try:
            recent = await self._waha.chat_messages(
                wanted.session,
                wanted.chat_id,
                since=since,
                limit=RECENT_LIMIT,
                download_media=False,
                from_me=True,
            )
        except DownstreamRejected as exc:
            log.warning("WAHA cannot list the chat's messages (status %s)", exc.status)
            return None
        for item in recent:
            if item.get("fromMe") is not False and _matches(item, wanted):
                return message_id(item)
        return None


def message_id(message: dict[str, Any]) -> str:
    """WAHA's serialized id of a message (``WAMessage``), ``""`` if it has none."""
    value = message.get("id")
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("_serialized"), str):
        return str(value["_serialized"])
    return ""


def _since(wanted: Wanted) -> float | None:
    """From when to list; None when nothing could be recognised in the list."""
    if wanted.claimed_at is not None:
        return max(0.0, wanted.claimed_at - CLOCK_SLACK_SECONDS)
    return 0.0 if wanted.message_id else None  # an id is recognised at any age


def _matches(message: dict[str, Any], wanted: Wanted) -> bool:
    if wanted.message_id:
        return wanted.message_id in message_id(message).split("_")
    body = message.get("body") or ""
    same_kind = bool(message.get("hasMedia")) == wanted.is_file
    return same_kind and isinstance(body, str) and body.strip() == wanted.text.strip()
