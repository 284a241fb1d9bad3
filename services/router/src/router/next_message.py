"""The message that follows another on a conversation's subject, read from JetStream.

The coalescer (:mod:`router.coalescer`) needs the person's next message to
know when they sent it. JetStream gives the first message of a subject at or
after a sequence in one request (``next_by_subj``), whatever else the stream
holds in between, and without consuming it: the router's consumer still
delivers it in its turn.
"""

from __future__ import annotations

import logging

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from concierge_common.contracts.messages import (
    BusMessage,
    Codec,
    MessageReceived,
    OperatorMessageSeen,
)
from concierge_common.errors import InvalidMessage
from router.coalescer import NextMessage

log = logging.getLogger(__name__)

_INBOUND = Codec(MessageReceived, OperatorMessageSeen)


def jetstream_next_message(js: JetStreamContext, stream: str) -> NextMessage:
    """Reads the message after ``sequence`` on ``subject`` of ``stream`` (None if none yet)."""

    async def following(subject: str, sequence: int) -> BusMessage | None:
        try:
            raw = await js.get_msg(stream, seq=sequence + 1, subject=subject, next=True)
        except NotFoundError:
            return None
        try:
            return _INBOUND.decode(raw.data or b"")
        except InvalidMessage:
            # It will be dead-lettered in its turn; it is no message of the person's.
            log.warning("unreadable message after this one", extra={"sequence": raw.seq})
            return None

    return following
