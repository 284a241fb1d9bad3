"""The expiry job: ends sessions left inactive past their ``expires_at``.

One atomic ``UPDATE ... RETURNING`` does the work, so several store replicas
may run the job at the same time: Postgres re-checks the condition on each row
it locks, and a session expired by one run is no longer a candidate for the
other. Sessions in handoff are not touched (the handoff service owns them).

A failing run (Postgres away) is logged and the loop carries on: the next run
catches up, and open/update already treat a session past its expiry as over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

from concierge_common.metrics import child
from store.db import translated
from store.metrics import SESSIONS_EXPIRED

log = logging.getLogger(__name__)

_EXPIRE_STALE = """
UPDATE sessions SET status = 'expired', ended_at = now()
WHERE status IN ('active', 'awaiting_input') AND expires_at < now()
RETURNING id
"""


class ExpiryJob:
    """Runs :meth:`run_once` every ``interval_seconds`` until stopped."""

    def __init__(self, pool: asyncpg.Pool, *, interval_seconds: float) -> None:
        self._pool = pool
        self._interval = interval_seconds
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> list[str]:
        """Expire every stale session now; return their ids."""
        with translated("session expiry"):
            rows = await self._pool.fetch(_EXPIRE_STALE)
        expired = [str(row["id"]) for row in rows]
        if expired:
            child(SESSIONS_EXPIRED, "job").inc(len(expired))
            log.info("sessions expired", extra={"count": len(expired)})
        return expired

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._loop(), name="store-session-expiry")

    async def stop(self) -> None:
        """Stop after the run in progress, if any (a run is one short statement)."""
        self._stopping.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=10.0)
            except TimeoutError:  # wait_for cancelled the run
                log.warning("session expiry run cancelled at shutdown")

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception as exc:
                log.warning("session expiry run failed: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._interval)
