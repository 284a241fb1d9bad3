"""WAHA's session status, as ``session.status`` events report it (docs/waha.md section 3).

Remembered per session in the ``waha_sessions`` bucket (shared by replicas):
the status, since when, when the session stopped working, and when the last
history recovery started. Exposed as a gauge for alerting (``SCAN_QR_CODE``,
``FAILED`` and ``STOPPED`` are also logged as warnings).

When a session becomes ``WORKING`` after another status (the bucket's, else
the ones WAHA lists in ``statuses``), a history recovery is started in the
background (:class:`gateway.recovery.Recovery`) from the last recovery, else
from the outage's start; a first ``WORKING`` with nothing known also recovers
(the gateway may have been down), bounded by
``GATEWAY_RECOVERY_MAX_AGE_SECONDS``. The webhook is answered at once. A
gateway that starts while the remembered status is ``WORKING`` recovers too
(:meth:`SessionWatch.resume`): it may itself have been the one down.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Awaitable, Callable

import msgspec
from nats.errors import Error as NatsError
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from concierge_common.metrics import child
from gateway import metrics
from gateway.normalize import SessionStatusChange
from gateway.recovery import Recovery

log = logging.getLogger(__name__)

WORKING = "WORKING"
ALERTING = frozenset({"SCAN_QR_CODE", "FAILED", "STOPPED"})
STATUSES = (
    "STOPPED",
    "STARTING",
    "SCAN_QR_CODE",
    "PASSKEY_REQUIRED",
    "PASSKEY_CONFIRMATION_REQUIRED",
    WORKING,
    "FAILED",
)
# How much earlier than the known outage start or last recovery the history is read.
RECOVERY_MARGIN_SECONDS = 300.0
_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class SessionState(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What the bucket holds per WAHA session (times in Unix seconds)."""

    status: str
    since: float
    down_since: float | None = None  # when it stopped being WORKING (None while it works)
    last_recovery_at: float | None = None  # when the last successful recovery started


class SessionWatch:
    """Observes ``session.status`` events."""

    def __init__(
        self, state: KeyValue, recovery: Recovery, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._state = state
        self._recovery = recovery
        self._clock = clock

    async def observe(self, change: SessionStatusChange) -> None:
        """Remember, expose and log the new status; start a recovery when it works again."""
        known = await self.load(change.session)
        previous = known.status if known else (change.previous[-1] if change.previous else "")
        _expose(change.session, change.status)
        _log(change, previous)
        now = self._clock()
        await self._save(change.session, next_state(known, change, now))
        if change.status == WORKING and previous != WORKING:
            since = recovery_since(known)
            self._recovery.start(change.session, since=since, done=self._done(change.session))

    async def resume(self, session: str) -> bool:
        """At the gateway's start: recover what came while it was down, if WAHA works.

        No ``session.status`` event tells a gateway that was itself down (WAHA's
        webhook retries ran out meanwhile) that the session kept working: when
        the remembered status is ``WORKING``, the history since the last recovery
        (bounded by the maximum age) is read once. True when a recovery started.
        """
        known = await self.load(session)
        if known is None or known.status != WORKING:
            return False  # unknown: the next WORKING event recovers; not working: nothing to read
        return self._recovery.start(session, since=recovery_since(known), done=self._done(session))

    async def load(self, session: str) -> SessionState | None:
        """The remembered state (None when nothing is known, or the bucket is unreachable)."""
        try:
            entry = await self._state.get(state_key(session))
        except KeyNotFoundError:
            return None
        except (NatsError, TimeoutError) as exc:
            log.warning("waha session state unreadable", extra={"error": type(exc).__name__})
            return None
        if not entry.value:
            return None
        try:
            return msgspec.json.decode(entry.value, type=SessionState)
        except msgspec.DecodeError:  # ValidationError included
            return None

    async def _save(self, session: str, state: SessionState) -> None:
        try:
            await self._state.put(state_key(session), msgspec.json.encode(state))
        except (NatsError, TimeoutError) as exc:
            log.warning("waha session state not saved", extra={"error": type(exc).__name__})

    def _done(self, session: str) -> Callable[[float], Awaitable[None]]:
        async def recovered(started: float) -> None:
            current = await self.load(session)
            if current is not None:
                await self._save(
                    session, msgspec.structs.replace(current, last_recovery_at=started)
                )

        return recovered


def next_state(known: SessionState | None, change: SessionStatusChange, now: float) -> SessionState:
    """The state to remember once ``change`` is seen."""
    if known is not None and known.status == change.status:
        return known
    down_since = None
    if change.status != WORKING:
        kept = known.down_since if known is not None else None
        down_since = kept if kept is not None else (change.at or now)
    return SessionState(
        status=change.status,
        since=change.at or now,
        down_since=down_since,
        last_recovery_at=known.last_recovery_at if known is not None else None,
    )


def recovery_since(known: SessionState | None) -> float:
    """Where the history must be read from (0: as far back as allowed).

    From the last recovery, else the outage's start, a little earlier: WAHA's
    clock is not ours, and the webhooks of the last messages before an outage
    may have failed too (what the store knows is skipped anyway).
    """
    if known is None:
        return 0.0
    start = known.last_recovery_at if known.last_recovery_at is not None else known.down_since
    return max(0.0, start - RECOVERY_MARGIN_SECONDS) if start else 0.0


def state_key(session: str) -> str:
    """The bucket key of a session (a hash when its name has characters keys refuse)."""
    if _KEY.match(session):
        return session
    return "h_" + hashlib.sha256(session.encode()).hexdigest()[:32]


def _expose(session: str, status: str) -> None:
    child(metrics.WAHA_SESSION_CHANGES, _label(status)).inc()
    for name in {*STATUSES, _label(status)}:
        metrics.WAHA_SESSION_STATUS.labels(session, name).set(1 if name == _label(status) else 0)


def _label(status: str) -> str:
    return status if status in STATUSES else "OTHER"


def _log(change: SessionStatusChange, previous: str) -> None:
    extra = {"session": change.session, "status": change.status, "previous": previous}
    if change.status in ALERTING:
        log.warning("waha session not working: %s", change.status, extra=extra)
    elif change.status != previous:
        log.info("waha session status changed", extra=extra)
