"""After a WAHA outage, what people wrote meanwhile, from WAHA's history.

WAHA drops a webhook once its retries run out (docs/waha.md section 8): messages
people sent while the session or the gateway was down are only in WAHA's
history. When the session is ``WORKING`` again (:mod:`gateway.waha_session`),
a background task reads the recent messages of the recently active person
chats (``chats/overview``, then each chat's messages since the outage), builds
the very bus messages the webhook would have built (:func:`gateway.normalize`:
same derived ids, ``via="recovery"``), asks the store which it already
recorded (``interaction.known``) and publishes the others through
:class:`Ingest` in the order they were sent, so identity and media enrichment
apply. Nothing is answered twice: the store's answer filters what was handled,
and JetStream's duplicate window and the router's dedup catch a webhook racing
with the recovery.

Only the person's messages sent after the organisation's last message in the
chat are recovered: one followed by ours was answered (by the concierge, or by
a human on the phone). The organisation's own messages are never replayed:
WAHA's history has no ``source`` to tell the phone's from the concierge's. WAHA
not answering yet is retried a few times with a backoff, then given up (with a
warning); at most one recovery runs per session, and a request arriving while
one runs makes it run once more.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import msgspec

from concierge_common.bus.rpc import RpcClient
from concierge_common.contracts.messages import MessageReceived
from concierge_common.contracts.store_api import INTERACTION_KNOWN, SERVICE, KnownMessagesQuery
from concierge_common.errors import DownstreamRejected, InvalidRequest, RetryableError
from concierge_common.metrics import child
from gateway import metrics
from gateway.ignore_rules import ignore_reason
from gateway.ingest import Ingest
from gateway.normalize import normalize
from gateway.settings import GatewaySettings
from gateway.waha_client import WahaClient
from gateway.waha_events import WahaEnvelope

log = logging.getLogger(__name__)

# Waits before the next attempt when WAHA (or the bus, or the store) does not answer yet.
RETRY_DELAYS = (2.0, 5.0, 15.0, 30.0)
# Ids asked of the store per request.
KNOWN_BATCH = 500
VIA = "recovery"

Done = Callable[[float], Awaitable[None]]


class KnownMessages:
    """Asks the store which WAHA messages it already recorded (``interaction.known``)."""

    def __init__(self, rpc: RpcClient) -> None:
        self._rpc = rpc

    async def known(self, session: str, provider_message_ids: Sequence[str]) -> set[str]:
        """The subset of ``provider_message_ids`` (WAHA's ids) stored for ``session``."""
        found: set[str] = set()
        for start in range(0, len(provider_message_ids), KNOWN_BATCH):
            batch = list(provider_message_ids[start : start + KNOWN_BATCH])
            query = KnownMessagesQuery(wa_session=session, provider_message_ids=batch)
            found.update(await self._rpc.call(SERVICE, INTERACTION_KNOWN, query, list[str]))
        return found


class Recovery:
    """Reads recently active chats' history and feeds unseen messages to :class:`Ingest`."""

    def __init__(
        self,
        waha: WahaClient,
        ingest: Ingest,
        known: KnownMessages,
        settings: GatewaySettings,
        *,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._waha = waha
        self._ingest = ingest
        self._known = known
        self._settings = settings
        self._retry_delays = tuple(retry_delays)
        self._clock = clock
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._again: dict[str, float] = {}  # session -> ``since`` of the run asked meanwhile

    def running(self, session: str) -> bool:
        task = self._tasks.get(session)
        return task is not None and not task.done()

    def start(self, session: str, *, since: float = 0.0, done: Done | None = None) -> bool:
        """Recover ``session``'s messages sent from ``since`` on, in the background.

        ``since`` is clamped to ``GATEWAY_RECOVERY_MAX_AGE_SECONDS`` ago. ``done``
        gets the time the successful run started. False when a recovery of the
        session already runs: it runs once more afterwards, from the earliest
        ``since`` asked.
        """
        if self.running(session):
            self._again[session] = min(since, self._again.get(session, since))
            child(metrics.RECOVERIES, "skipped").inc()
            return False
        self._tasks[session] = asyncio.create_task(
            self._recover(session, since, done), name=f"recovery-{session}"
        )
        return True

    async def wait(self, session: str) -> None:
        """Until the session's recovery (if any) is over (tests, shutdown)."""
        task = self._tasks.get(session)
        if task is not None:
            await asyncio.shield(task)

    async def close(self) -> None:
        """Cancel the recoveries in progress (the gateway stops)."""
        tasks = [task for task in self._tasks.values() if not task.done()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def run(self, session: str, since: float) -> int:
        """One recovery: publish the unseen messages; return how many were published."""
        since = max(since, self._clock() - self._settings.gateway_recovery_max_age_seconds)
        limit = self._settings.gateway_recovery_chats
        chats = _active_person_chats(await self._waha.recent_chats(session, limit=limit), since)
        found: list[MessageReceived] = []
        for chat in chats:
            found.extend(await self._chat_messages(session, chat, since))
        known = await self._known.known(session, [m.provider_message_id for m in found])
        fresh = [m for m in found if m.provider_message_id not in known]
        child(metrics.RECOVERED_MESSAGES, "known").inc(len(found) - len(fresh))
        for message in sorted(fresh, key=lambda m: m.sent_at):
            await self._ingest.message(message)
            child(metrics.RECOVERED_MESSAGES, "published").inc()
        return len(fresh)

    async def _recover(self, session: str, since: float, done: Done | None) -> None:
        while True:
            started = self._clock()
            if await self._attempts(session, since) and done is not None:
                await _quietly(done(started))
            if session not in self._again:
                return
            since = self._again.pop(session)

    async def _attempts(self, session: str, since: float) -> bool:
        """Run, retrying what may work later; True once a run succeeded."""
        for delay in (*self._retry_delays, None):
            try:
                published = await self.run(session, since)
            except RetryableError as exc:
                if delay is None:
                    return _failed(session, exc)
                log.info("recovery must wait", extra={"session": session, "error": str(exc)})
                await asyncio.sleep(delay)
            except Exception as exc:  # a permanent refusal, or a bug: never retried
                return _failed(session, exc)
            else:
                child(metrics.RECOVERIES, "done").inc()
                log.info("recovery done", extra={"session": session, "published": published})
                return True
        return False

    async def _chat_messages(self, session: str, chat: str, since: float) -> list[MessageReceived]:
        try:
            history = await self._waha.chat_messages(
                session,
                chat,
                since=since,
                limit=self._settings.gateway_recovery_messages_per_chat,
                download_media=True,
            )
        except DownstreamRejected as exc:  # this chat only (gone, not readable...)
            log.warning("chat history refused", extra={"session": session, "status": exc.status})
            return []
        unanswered = _unanswered(history)
        answered = sum(1 for item in history if not item.get("fromMe")) - len(unanswered)
        child(metrics.RECOVERED_MESSAGES, "answered").inc(answered)
        found: list[MessageReceived] = []
        for item in unanswered:
            message = self._as_webhook_message(session, item)
            if message is None:
                child(metrics.RECOVERED_MESSAGES, "ignored").inc()
            elif message.sent_at >= since:
                found.append(message)
        return found

    def _as_webhook_message(self, session: str, item: dict[str, Any]) -> MessageReceived | None:
        """What the webhook would have published for this history message (None: ignored)."""
        envelope = WahaEnvelope(
            event="message", session=session, payload=msgspec.Raw(msgspec.json.encode(item))
        )
        try:
            result = normalize(
                envelope,
                conversation_key=self._settings.conversation_id_key,
                default_session=session,
                staff_chat_id=self._settings.staff_chat_id,
            )
        except InvalidRequest:
            return None
        if not isinstance(result, MessageReceived):
            return None
        return msgspec.structs.replace(result, via=VIA)


def _unanswered(history: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The person's messages sent after the organisation's last message in the chat.

    A message followed by one of ours was answered already: by the concierge,
    or by a human on the phone during the outage (whose takeover webhook may be
    lost too). The organisation's own messages are never replayed: WAHA's
    history has no ``source`` to tell the phone's from the concierge's.
    """
    items = sorted(history, key=_stamp)
    own = [_stamp(item) for item in items if item.get("fromMe")]
    last_own = max(own) if own else float("-inf")
    return [item for item in items if not item.get("fromMe") and _stamp(item) > last_own]


def _stamp(item: dict[str, Any]) -> float:
    value = item.get("timestamp")
    return float(value) if isinstance(value, int | float) else 0.0


def _active_person_chats(chats: Iterable[dict[str, Any]], since: float) -> list[str]:
    """Person chats whose last message is recent enough (groups, channels... skipped)."""
    found: list[str] = []
    for summary in chats:
        chat = summary.get("id")
        if not isinstance(chat, str) or ignore_reason(chat, None, None, allow_group=False):
            continue
        last = summary.get("lastMessage")
        stamp = last.get("timestamp") if isinstance(last, dict) else None
        if isinstance(stamp, int | float) and stamp < since:
            continue
        found.append(chat)
    return found


def _failed(session: str, exc: Exception) -> bool:
    child(metrics.RECOVERIES, "failed").inc()
    log.warning(
        "recovery given up: messages sent during the outage may be unanswered",
        extra={"session": session, "error": type(exc).__name__},
    )
    return False


async def _quietly(step: Awaitable[None]) -> None:
    try:
        await step
    except Exception:  # the recovery itself is done; only its bookkeeping failed
        log.warning("could not record the end of a recovery", exc_info=True)
