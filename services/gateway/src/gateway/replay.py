"""Webhooks replayed late are refused: WAHA's event ``timestamp`` must be recent.

A webhook is signed over its body only, so a captured one stays valid for ever;
its envelope's ``timestamp`` (milliseconds, docs/waha.md section 4) is signed with
it. An event older than ``GATEWAY_WEBHOOK_MAX_AGE_SECONDS`` is refused (400, counted
``replayed``); one dated further in the future than the allowed clock skew too.

A retry of a webhook that failed keeps its event's timestamp, so the window must
outlast WAHA's retries (about half an hour with the exponential policy): 40 minutes
by default. It must also stay within the bus's duplicate window (an hour), which
the settings check at start: a replay within the window carries the same ids as
the original and is stored once, a replay after it is refused, and nothing in
between is answered twice. Events without a timestamp (older WAHA versions) are
accepted. Messages whose webhook was refused are still in WAHA's history.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from concierge_common.errors import InvalidRequest

CLOCK_SKEW_SECONDS = 300.0


class Replayed(InvalidRequest):
    """The event is older than the replay window, or dated in the future (400)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, status=400)


class ReplayWindow:
    """Checks an envelope's timestamp against the window (``max_age`` 0: no check)."""

    def __init__(self, max_age: float, *, clock: Callable[[], float] = time.time) -> None:
        self._max_age = max_age
        self._clock = clock

    def check(self, timestamp_ms: float | None) -> None:
        if not self._max_age or not timestamp_ms:
            return
        age = self._clock() - timestamp_ms / 1000.0
        if age > self._max_age:
            raise Replayed("webhook event older than the replay window")
        if age < -CLOCK_SKEW_SECONDS:
            raise Replayed("webhook event dated in the future")
