"""The scheduled retention purge: :class:`store.retention.Purge` every interval.

The first run starts with the store; then one every
``RETENTION_INTERVAL_SECONDS``. Every replica runs the loop, and the purge's
advisory lock lets one of them work at a time (the others count a skipped run).
A failing run (PostgreSQL away) is logged and counted, and the next run picks
up where it stopped: what it deleted stays deleted, the rest is still older
than its window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from concierge_common.metrics import child
from store.retention import Purge
from store.retention_metrics import LAST_DONE, RUNS

log = logging.getLogger(__name__)


class RetentionJob:
    """Runs the purge every ``interval_seconds`` until stopped."""

    def __init__(self, purge: Purge, *, interval_seconds: float) -> None:
        self._purge = purge
        self._interval = interval_seconds
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._purge.policy.keeps_everything:
            log.info("retention purge off: every window is 0 (kept for ever)")
            return
        self._stopping.clear()
        self._task = asyncio.create_task(self._loop(), name="store-retention-purge")

    async def stop(self) -> None:
        """Stop: the batch in progress is cancelled (its transaction rolls back)."""
        self._stopping.set()
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def run_once(self) -> None:
        try:
            report = await self._purge.run()
        except Exception as exc:
            child(RUNS, "failed").inc()
            log.warning("retention purge failed: %s", type(exc).__name__)
            return
        if report.skipped:
            child(RUNS, "skipped").inc()
            return
        child(RUNS, "done").inc()
        LAST_DONE.set(time.time())

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            await self.run_once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._interval)
