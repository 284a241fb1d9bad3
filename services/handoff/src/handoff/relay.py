"""``RelayToStaff``: a person wrote while a human owns the conversation.

The message goes to the staff chat prefixed with the handoff's reference
(``[H7K2P] Marie : ...``; for a file, what was sent, with the file itself
attached when the gateway kept it: a certificate, a photo of a form), and the
store records the person's activity (it keeps the handoff from the idle
timeout). With ``cancel`` the person asked to get back to the assistant: the handoff returns
(actor ``person``), the person and staff are told.

A WhatsApp person sees nothing more (staff answer in their own time). A
message of ``POST /orchestrate`` gets a short acknowledgment: its caller waits
for an answer, and would otherwise time out.

When no handoff is open any more (staff returned it a moment before), the
message is not relayed: nobody would read it. The person is told that the
conversation is back with the assistant and asked to repeat their question,
rather than having it answered by the bot out of context or lost without a word.
"""

from __future__ import annotations

import logging

from concierge_common import ids
from concierge_common.contracts.messages import Attachment, MessageReceived, RelayToStaff
from concierge_common.contracts.store_api import HandoffTouch, HandoffView
from concierge_common.errors import Conflict, NotFound
from concierge_common.french.languages import written_in
from concierge_common.metrics import child
from handoff import metrics, phrases
from handoff.desk import Actor, Clock, Desk, utc_now
from handoff.outbox import Outbox, Recipient
from handoff.prompts import PersonTexts
from handoff.store_port import HandoffStore

log = logging.getLogger(__name__)

# POST /orchestrate's messages (concierge_common.contracts.messages.MessageReceived.channel).
API_CHANNEL = "api"


class Relay:
    """Handles ``RelayToStaff``."""

    def __init__(
        self,
        store: HandoffStore,
        desk: Desk,
        outbox: Outbox,
        texts: PersonTexts,
        *,
        clock: Clock = utc_now,
    ) -> None:
        self._store = store
        self._desk = desk
        self._outbox = outbox
        self._texts = texts
        self._clock = clock

    async def __call__(self, message: RelayToStaff) -> None:
        handoff = await self._store.open_for(message.conversation_id)
        if handoff is None:
            await self._after_end(message)
        elif message.cancel:
            await self._cancel(handoff, message)
        else:
            await self._forward(handoff, message)

    async def _forward(self, handoff: HandoffView, message: RelayToStaff) -> None:
        try:
            touched = await self._store.touch(HandoffTouch(id=handoff.id, by="person"))
        except (NotFound, Conflict):
            await self._after_end(message)  # returned between the find and the touch
            return
        inbound = message.inbound
        sent = await self._outbox.to_staff(
            touched.wa_session,
            phrases.relay(touched.reference, inbound.push_name, inbound),
            kind="relay",
            message_id=ids.derived_id("handoff-relay", message.message_id),
            correlation_id=message.correlation_id,
            attachment=_file_of(inbound),
        )
        if sent:
            child(metrics.RELAYS, "to_staff").inc()
        if inbound.channel == API_CHANNEL:
            await self._acknowledge(message)
        log.info("person message relayed to staff", extra={"handoff_id": handoff.id})

    async def _acknowledge(self, message: RelayToStaff) -> None:
        """Tell an API caller its message reached staff (it waits for an answer)."""
        language = written_in(message.inbound.text)
        await self._outbox.to_person(
            Recipient.of_message(message.conversation_id, message.inbound),
            await self._texts.text(phrases.RELAYED, self._clock(), language),
            message_id=ids.derived_id("handoff-relayed", message.message_id),
            correlation_id=message.correlation_id,
            answering=message.inbound,
        )

    async def _cancel(self, handoff: HandoffView, message: RelayToStaff) -> None:
        try:
            await self._desk.return_to_bot(
                handoff, Actor("person"), correlation_id=message.correlation_id
            )
        except Conflict:
            # Someone else ended it first; whoever did told the person.
            log.info("handoff already ended when the person cancelled")

    async def _after_end(self, message: RelayToStaff) -> None:
        metrics.RELAYS_AFTER_END.inc()
        key = phrases.ENDED if message.cancel else phrases.AFTER_END
        await self._outbox.to_person(
            Recipient.of_message(message.conversation_id, message.inbound),
            await self._texts.text(key, self._clock(), written_in(message.inbound.text)),
            message_id=ids.derived_id("handoff-after-end", message.message_id),
            correlation_id=message.correlation_id,
            answering=message.inbound,
        )
        log.info("person wrote after the handoff ended; asked to repeat")


def _file_of(inbound: MessageReceived) -> Attachment | None:
    """The person's file, to send on to staff (None for a text or a file not kept)."""
    media = inbound.media
    if media is None or not media.storage_key:
        return None
    return Attachment(
        storage_key=media.storage_key,
        mimetype=media.mimetype or "application/octet-stream",
        filename=media.filename or f"fichier-{inbound.kind}",
        size=media.size,
        sha256=media.sha256,
    )
