"""Opening a handoff in the store when ai cannot answer a turn.

The store opens it (or returns the one already open: ``handoff.open`` is
idempotent) and moves the person's session to ``handoff`` in the same
transaction, so the person's next message already goes to a human.
"""

from __future__ import annotations

import logging

from ai.facts import Rpc
from concierge_common.contracts import store_api
from concierge_common.contracts.messages import GenerateReply
from concierge_common.errors import InvalidRequest, NotFound

log = logging.getLogger(__name__)

REASON = "no_matching_information"
SUMMARY_CHARS = 500


def summary(texts: list[str]) -> str:
    """The turn's texts for the staff alert (`` / `` between them), cut to :data:`SUMMARY_CHARS`."""
    joined = " / ".join(text.strip() for text in texts if text.strip())
    return joined if len(joined) <= SUMMARY_CHARS else joined[: SUMMARY_CHARS - 1] + "…"


class HandoffOpener:
    """Calls the store's ``handoff.open`` for a turn ai cannot answer."""

    def __init__(self, rpc: Rpc) -> None:
        self._rpc = rpc

    async def open(
        self, turn: GenerateReply, text: str, *, reason: str = REASON
    ) -> store_api.HandoffView | None:
        """The open handoff of the conversation; ``None`` when the store could not open one.

        A store that is down raises (the turn is retried); a store that refuses
        (an old message without a user id, an unknown operation...) leaves the
        handoff to staff alone: the caller still alerts them.
        """
        if not turn.user_id:
            log.warning("turn without a user id: staff are alerted without a stored handoff")
            return None
        inbound = turn.inbound
        request = store_api.HandoffOpen(
            conversation_id=turn.conversation_id,
            user_id=turn.user_id,
            wa_session=inbound.session,
            chat_id=inbound.chat_id,
            reason=reason,
            requested_by="ai",
            summary=text,
            message_id=turn.message_id,
        )
        try:
            view = await self._rpc.call(
                store_api.SERVICE, store_api.HANDOFF_OPEN, request, store_api.HandoffView
            )
        except InvalidRequest as exc:
            log.warning(
                "store refused handoff.open (%s, status %s): staff are alerted without it",
                type(exc).__name__,
                exc.status,
            )
            return None
        log.info("handoff opened", extra={"handoff_id": view.id, "newly_opened": view.created})
        return view

    async def opened_by(self, turn: GenerateReply) -> store_api.HandoffView | None:
        """The conversation's open handoff if this very turn opened it (an earlier attempt)."""
        query = store_api.HandoffQuery(conversation_id=turn.conversation_id)
        try:
            view = await self._rpc.call(
                store_api.SERVICE, store_api.HANDOFF_FIND, query, store_api.HandoffView
            )
        except NotFound:
            return None
        return view if view.opened_by_message == turn.message_id else None
