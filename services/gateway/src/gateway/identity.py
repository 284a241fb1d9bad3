"""One person behind ``...@c.us`` and ``...@lid`` (docs/waha.md section 6).

WhatsApp shows some people under a hidden linked id (``...@lid``) instead of
their phone id, and a person may switch from one to the other. For a message
from (or an operator's message to) a linked id, the :class:`LidResolver` asks
WAHA for the phone id behind it (``GET /api/{session}/lids/{lid}``) and keeps
the answer in the ``wa_lids`` bucket, shared by every gateway replica:

- the phone id becomes the message's alias, so the store keeps both ids on one
  user and what belongs to the person (a verified parent's role) survives the
  switch;
- the conversation id is computed from the *canonical* id (the phone id when
  known, else the id itself), so the person's messages from both ids share one
  conversation: one ordered flow, one coalescing state, one takeover.

``chat_id`` stays what WAHA gave: replies go back to the chat the person wrote
from. A linked id WAHA does not know is remembered as such for a shorter time
(:data:`UNKNOWN_RECHECK_SECONDS`), then asked again. WAHA failing never blocks
a message: it is published without alias (and counted).

Note: with this, the conversation ids of people writing from a linked id
changed (they became their phone id's); their conversations in flight when the
change was deployed continue under the new id.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import msgspec
from nats.errors import Error as NatsError
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from concierge_common import ids
from concierge_common.errors import DownstreamRejected, DownstreamUnavailable
from concierge_common.ids import lid_key
from concierge_common.metrics import child
from gateway import metrics
from gateway.ingest import Incoming
from gateway.waha_client import WahaClient

log = logging.getLogger(__name__)

LID_SUFFIX = "@lid"
# A linked id WAHA had no phone for is asked again after this long (it may learn it).
UNKNOWN_RECHECK_SECONDS = 6 * 3600.0
# The value kept for a linked id without a phone id: the marker, a space, when it was asked.
_UNKNOWN = "none"


def phone_id(pn: str) -> str:
    """WAHA's ``pn`` as a chat id: ``...@c.us`` (engines may give a bare number or a JID)."""
    number = pn.split("@", 1)[0]
    return f"{number}@c.us" if number else ""


class LidResolver:
    """Enricher: resolves a linked id to the person's phone id (see the module docstring)."""

    def __init__(
        self,
        waha: WahaClient,
        lids: KeyValue,
        *,
        conversation_key: str,
        unknown_recheck_seconds: float = UNKNOWN_RECHECK_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._waha = waha
        self._lids = lids
        self._conversation_key = conversation_key
        self._unknown_recheck = unknown_recheck_seconds
        self._clock = clock

    async def enrich(self, message: Incoming) -> Incoming:
        """The message with its alias and canonical conversation id, or itself unchanged."""
        if not message.chat_id.endswith(LID_SUFFIX):
            return message  # a phone id is canonical; groups (the staff chat) are untouched
        phone = await self.phone_of(message.session, message.chat_id)
        if not phone or phone == message.chat_id:
            return message
        conversation = ids.conversation_id(self._conversation_key, message.session, phone)
        aliases = message.aliases if phone in message.aliases else [*message.aliases, phone]
        return msgspec.structs.replace(message, conversation_id=conversation, aliases=aliases)

    async def phone_of(self, session: str, lid: str) -> str:
        """The phone id behind ``lid``: from the bucket, else from WAHA; "" when unknown."""
        key = lid_key(lid)
        cached = await self._cached(key)
        if cached is not None:
            child(metrics.LID_LOOKUPS, "cached").inc()
            return cached
        try:
            phone = phone_id(await self._waha.phone_of_lid(session, lid))
        except (DownstreamUnavailable, DownstreamRejected) as exc:
            child(metrics.LID_LOOKUPS, "failed").inc()
            log.warning("linked id not resolved, kept without alias: %s", type(exc).__name__)
            return ""
        child(metrics.LID_LOOKUPS, "resolved" if phone else "unknown").inc()
        await self._remember(key, phone or f"{_UNKNOWN} {self._clock():.0f}")
        return phone

    async def _cached(self, key: str) -> str | None:
        """The phone id kept for ``key`` ("" for a recent "unknown"); None: ask WAHA."""
        try:
            entry = await self._lids.get(key)
        except KeyNotFoundError:
            return None
        except NatsError as exc:
            log.warning("linked ids bucket unreadable: %s", type(exc).__name__)
            return None
        value = (entry.value or b"").decode()
        if not value.startswith(_UNKNOWN):
            return value or None
        asked_at = _asked_at(value)
        return "" if self._clock() - asked_at < self._unknown_recheck else None

    async def _remember(self, key: str, value: str) -> None:
        try:
            await self._lids.put(key, value.encode())
        except NatsError as exc:
            log.warning("linked id not remembered: %s", type(exc).__name__)


def _asked_at(value: str) -> float:
    """When an "unknown" marker was written (0: long ago, for a malformed one)."""
    try:
        return float(value.partition(" ")[2])
    except ValueError:
        return 0.0
