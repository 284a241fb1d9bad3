"""Where the handoff service's texts go: the person's ``ai`` flow, or the staff chat.

Everything a person reads travels on their own conversation's ``ai`` flow as a
ready ``SendReply`` (ai forwards it to ``outbound``), so a staff answer can
never overtake a bot reply or be overtaken by one. Texts for the staff chat
(``STAFF_CHAT_ID``) go straight to ``outbound`` under the staff chat's own
conversation id. Without ``STAFF_CHAT_ID`` they are logged at WARNING (never
their body) and counted. Message ids are always given by the caller, derived
from the input, so that a retried step republishes the same ids.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from concierge_common import ids
from concierge_common.contracts.messages import (
    Attachment,
    BusMessage,
    MessageReceived,
    SendReply,
    written_time,
)
from concierge_common.contracts.store_api import HandoffView
from concierge_common.metrics import child
from handoff import metrics

log = logging.getLogger(__name__)


class Publishes(Protocol):
    async def publish(self, flow: str, message: BusMessage) -> object: ...


@dataclass(frozen=True)
class Recipient:
    """A chat and the conversation (bus partition) it belongs to."""

    conversation_id: str
    session: str
    chat_id: str

    @classmethod
    def of_handoff(cls, handoff: HandoffView) -> Recipient:
        return cls(handoff.conversation_id, handoff.wa_session, handoff.chat_id)

    @classmethod
    def of_message(cls, conversation_id: str, inbound: MessageReceived) -> Recipient:
        return cls(conversation_id, inbound.session, inbound.chat_id)


class Outbox:
    """Publishes person-facing and staff-facing texts."""

    def __init__(self, publisher: Publishes, *, staff_chat_id: str, conversation_key: str) -> None:
        self._publisher = publisher
        self._staff_chat_id = staff_chat_id
        self._conversation_key = conversation_key

    @property
    def has_staff_chat(self) -> bool:
        return bool(self._staff_chat_id)

    def is_staff_chat(self, chat_id: str) -> bool:
        return bool(self._staff_chat_id) and chat_id == self._staff_chat_id

    async def to_person(
        self,
        to: Recipient,
        text: str,
        *,
        message_id: str,
        correlation_id: str,
        origin: str = "handoff",
        answering: MessageReceived | None = None,
    ) -> None:
        """Tell a person, on their conversation's ``ai`` flow (ordered with the bot's replies).

        ``answering``: the person's message this answers, if any (the store records no
        answer to a message written before its person was erased).
        """
        written = written_time(answering) if answering is not None else 0.0
        await self._send("ai", to, text, message_id, correlation_id, origin, in_reply_to_at=written)

    async def to_staff(
        self,
        session: str,
        text: str,
        *,
        kind: str,
        message_id: str,
        correlation_id: str,
        attachment: Attachment | None = None,
    ) -> bool:
        """Post to the staff chat (with a file); ``False`` (logged, counted) when there is none."""
        if not self._staff_chat_id:
            child(metrics.STAFF_CHAT_UNSET, kind).inc()
            log.warning("STAFF_CHAT_ID is not set: staff text (%s) only logged", kind)
            return False
        conversation = ids.conversation_id(self._conversation_key, session, self._staff_chat_id)
        to = Recipient(conversation, session, self._staff_chat_id)
        await self._send("outbound", to, text, message_id, correlation_id, "handoff", attachment)
        return True

    async def answer_chat(
        self, to: Recipient, text: str, *, message_id: str, correlation_id: str
    ) -> None:
        """Answer in the (staff) chat a message came from, straight to ``outbound``."""
        await self._send("outbound", to, text, message_id, correlation_id, "handoff")

    async def _send(
        self,
        flow: str,
        to: Recipient,
        text: str,
        message_id: str,
        correlation_id: str,
        origin: str,
        attachment: Attachment | None = None,
        *,
        in_reply_to_at: float = 0.0,
    ) -> None:
        reply = SendReply(
            message_id=message_id,
            conversation_id=to.conversation_id,
            correlation_id=correlation_id,
            session=to.session,
            chat_id=to.chat_id,
            text=text,
            origin=origin,
            attachment=attachment,
            in_reply_to_at=in_reply_to_at,
        )
        await self._publisher.publish(flow, reply)
