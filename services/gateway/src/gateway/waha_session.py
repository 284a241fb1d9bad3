"""WAHA's session status, as ``session.status`` events report it (issue 6: H3 completes this).

Remembered per session in the ``waha_sessions`` bucket (shared by replicas),
exposed as a gauge for alerting, and, when a session is ``WORKING`` again
after another status, a history recovery is started.
"""

from __future__ import annotations

import logging

from nats.js.kv import KeyValue

from gateway.normalize import SessionStatusChange
from gateway.recovery import Recovery

log = logging.getLogger(__name__)


class SessionWatch:
    """Observes ``session.status`` events."""

    def __init__(self, state: KeyValue, recovery: Recovery) -> None:
        self._state = state
        self._recovery = recovery

    async def observe(self, change: SessionStatusChange) -> None:
        log.info("waha session status", extra={"status": change.status})
