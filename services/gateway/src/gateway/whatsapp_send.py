"""One reply sent to a WhatsApp chat: humanely, within the rate limits, never twice.

The sequence WAHA advises (docs/waha.md section 11): ``sendSeen`` on the person's
message (only when its id is known: without ids WAHA marks the whole chat
read), then for each part of the reply (:mod:`gateway.splitting`)
``startTyping``, a pause proportional to the part's length
(:mod:`gateway.pacing`), ``stopTyping`` and ``sendText`` (no typing calls when
the pauses are configured off: nobody would see them). Messages to the staff
chat (or any group) and staff answers relayed to a person are sent directly. A
failure of seen or typing is logged and counted
(``concierge_waha_requests_total``), never fatal.

Each part is claimed in the ledger (:mod:`gateway.send_ledger`) just before it
is sent, under an id WAHA pre-generated for it, and the end of the call is
recorded: sent, or unsent when WAHA answered an error (or was never reached).
Parts go out in order: a part not sent stops the reply there, and the next
attempt resumes at that part. A part left claimed (WAHA's answer never came)
is in doubt: it is only ever looked up in WAHA, never sent again
(:mod:`gateway.send_check`, where the design is argued). A file is read from
the media storage before its claim, so that a missing file is never a send in
doubt.

Results counted in ``concierge_gateway_replies_total``, per part: ``no_answer``
(a send left in doubt), ``confirmed`` (a part in doubt or unsent that WAHA
shows: not sent again), ``not_confirmed`` (a part in doubt WAHA does not show:
not sent again, the delivery fails and is retried, then dead-lettered),
``resent_after_failure`` (an unsent part WAHA does not show: sent again under
the same id).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from concierge_common.contracts.messages import SendReply
from concierge_common.errors import DownstreamRejected, DownstreamUnavailable
from concierge_common.storage.media_storage import MediaStorage
from gateway import metrics
from gateway.pacing import NO_PAUSE, Pacing
from gateway.rate_limit import SendLimits
from gateway.send_check import SendCheck, SendInDoubt, Wanted
from gateway.send_ledger import PartState, Phase, SendLedger
from gateway.splitting import split_reply
from gateway.waha_client import NoAnswer, WahaClient

log = logging.getLogger(__name__)

DEFAULT_PART_MAX_CHARS = 1200
NOT_IMPLEMENTED = 501  # WAHA's answer when the engine lacks an endpoint


@dataclass(frozen=True)
class Sent:
    """WAHA's ids of a reply's messages; ``before``: all of them had gone out earlier."""

    ids: list[str]
    before: bool


@dataclass(frozen=True)
class SendOptions:
    """How WhatsApp replies go out (defaults: no pause, no limits, no file storage)."""

    pacing: Pacing = NO_PAUSE
    limits: SendLimits | None = None
    media: MediaStorage | None = None
    part_max_chars: int = DEFAULT_PART_MAX_CHARS
    staff_chat_id: str = ""


class WhatsAppSender:
    """Sends one reply's parts through WAHA; returns WAHA's ids of its messages."""

    def __init__(self, waha: WahaClient, ledger: SendLedger, options: SendOptions) -> None:
        self._waha = waha
        self._ledger = ledger
        self._options = options
        self._check = SendCheck(waha)

    def parts(self, reply: SendReply) -> list[str]:
        """The texts of the WhatsApp messages of ``reply`` (a file's caption: one message)."""
        if reply.attachment is not None:
            return [reply.text]
        return split_reply(reply.text, self._options.part_max_chars) or [reply.text]

    async def send(self, reply: SendReply, session: str) -> Sent:
        """Send what has not gone out yet of ``reply``; WAHA's ids of all its messages."""
        parts = self.parts(reply)
        states = await self._ledger.parts(reply.message_id, len(parts))
        if _complete(states):
            return Sent([s.message_id for s in states if s is not None and s.sent], before=True)
        humane = self._humane(reply)
        if humane and reply.in_reply_to_provider_id and all(s is None for s in states):
            await self._quietly(
                self._waha.send_seen(session, reply.chat_id, [reply.in_reply_to_provider_id]),
                "sendSeen",
            )
        ids = []
        for number, (text, state) in enumerate(zip(parts, states, strict=True), start=1):
            last = number == len(parts)
            ids.append(await self._part(reply, session, (number, last), text, state, humane=humane))
        metrics.REPLY_PARTS.observe(len(parts))
        return Sent(ids, before=False)

    def _humane(self, reply: SendReply) -> bool:
        """Seen and typing for what the concierge answers a person, not for staff or groups."""
        staff_chat = reply.chat_id == self._options.staff_chat_id or reply.chat_id.endswith("@g.us")
        return reply.origin != "staff" and not staff_chat

    async def _part(
        self,
        reply: SendReply,
        session: str,
        place: tuple[int, bool],
        text: str,
        state: PartState | None,
        *,
        humane: bool,
    ) -> str:
        """Part ``place`` (its number, whether it is the last) of ``reply``."""
        number, last = place
        if state is not None and state.sent:
            return state.message_id
        if state is not None:
            found = await self._check.find(_wanted(reply, session, text, state))
            if found is not None:
                await self._ledger.mark_sent(reply.message_id, number, found, last=last)
                metrics.REPLIES.labels("confirmed").inc()
                log.warning("earlier send found in WAHA, not sent again", extra=_about(state))
                return found
            if state.phase is Phase.IN_DOUBT:
                metrics.REPLIES.labels("not_confirmed").inc()
                log.warning("send in doubt not found in WAHA, not sent again", extra=_about(state))
                raise SendInDoubt(f"part {number} of the reply may have gone out: not sent again")
            metrics.REPLIES.labels("resent_after_failure").inc()
            log.warning("failed send not found in WAHA, sending again", extra=_about(state))
        message_id = state.message_id if state is not None else ""
        return await self._send_part(reply, session, place, text, message_id, humane=humane)

    async def _send_part(
        self,
        reply: SendReply,
        session: str,
        place: tuple[int, bool],
        text: str,
        message_id: str,
        *,
        humane: bool,
    ) -> str:
        number, last = place
        if self._options.limits is not None:
            await self._options.limits.acquire(reply.conversation_id)
        if not message_id and reply.attachment is None:
            message_id = await self._new_message_id(session)
        data = await self._attachment_data(reply)
        if humane:
            await self._typing(session, reply.chat_id, text)
        claimed_at = time.time()
        await self._ledger.claim(reply.message_id, number, message_id, claimed_at)
        try:
            waha_id = await self._post(reply, session, text, message_id, data)
        except NoAnswer:
            metrics.REPLIES.labels("no_answer").inc()
            log.warning("WAHA did not answer a send: in doubt, to be looked up, never resent")
            raise
        except (DownstreamUnavailable, DownstreamRejected):
            await self._ledger.mark_unsent(reply.message_id, number, message_id, claimed_at)
            raise
        await self._ledger.mark_sent(reply.message_id, number, waha_id, last=last)
        return waha_id

    async def _new_message_id(self, session: str) -> str:
        try:
            return await self._waha.new_message_id(session)
        except (DownstreamRejected, DownstreamUnavailable) as exc:
            if isinstance(exc, DownstreamUnavailable) and exc.status != NOT_IMPLEMENTED:
                raise
            # An engine or a version without pre-generated ids: send without one.
            log.warning("WAHA gave no message id (status %s), sending without", exc.status)
            return ""

    async def _typing(self, session: str, chat_id: str, text: str) -> None:
        if not self._options.pacing.pauses:
            return  # "typing..." shown and hidden at once: two calls nobody would see
        await self._quietly(self._waha.start_typing(session, chat_id), "startTyping")
        await self._options.pacing.pause(text)
        await self._quietly(self._waha.stop_typing(session, chat_id), "stopTyping")

    async def _attachment_data(self, reply: SendReply) -> bytes | None:
        """The file to send (None for a text); NotFound when the storage lost it."""
        if reply.attachment is None:
            return None
        if self._options.media is None:
            raise DownstreamRejected("no media storage to read the attachment from")
        return await self._options.media.get(reply.attachment.storage_key)

    async def _post(
        self, reply: SendReply, session: str, text: str, message_id: str, data: bytes | None
    ) -> str:
        attachment = reply.attachment
        if attachment is None or data is None:
            return await self._waha.send_text(session, reply.chat_id, text, message_id=message_id)
        return await self._waha.send_file(
            session,
            reply.chat_id,
            data=data,
            mimetype=attachment.mimetype,
            filename=attachment.filename,
            caption=text,
        )

    @staticmethod
    async def _quietly(call: Awaitable[None], endpoint: str) -> None:
        """Seen and typing are courtesy: their failure does not stop the reply."""
        try:
            await call
        except (DownstreamUnavailable, DownstreamRejected) as exc:
            log.warning("WAHA %s failed (status %s), going on", endpoint, exc.status)


def _complete(states: list[PartState | None]) -> bool:
    """Whether the reply went out whole before: its last part, or every part, was sent."""
    return any(s is not None and s.last for s in states) or all(
        s is not None and s.sent for s in states
    )


def _wanted(reply: SendReply, session: str, text: str, state: PartState) -> Wanted:
    """What the part looks like in WAHA, to recognise it there."""
    return Wanted(
        session=session,
        chat_id=reply.chat_id,
        message_id=state.message_id,
        text=text,
        is_file=reply.attachment is not None,
        claimed_at=state.claimed_at,
    )


def _about(state: PartState) -> dict[str, Any]:
    """Log fields of a part found earlier in the ledger (no text, no chat)."""
    return {"phase": str(state.phase), "with_id": bool(state.message_id)}
