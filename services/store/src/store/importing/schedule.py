"""Scheduled syncs: the sources whose mapping has ``interval_minutes`` synced that often.

The job runs inside the store service (``STORE_IMPORT_MAPPINGS``: mapping files,
comma-separated), since the store is the one process that writes the database and
always runs in production. Each source is synced at start and then every
``interval_minutes``; a failed sync (the source down, a token expired) is logged
and tried again at the next interval, never retried in a tight loop. Several
store replicas may run the job: the sync's lock per source makes a second run
wait and then find nothing to change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

import asyncpg

from concierge_common.errors import ConciergeError
from store.importing.http_fetch import Sleep
from store.importing.mapping import Mapping, load_mapping
from store.importing.sync import run_sync

log = logging.getLogger(__name__)


def scheduled_mappings(setting: str) -> list[Mapping]:
    """The mappings of ``STORE_IMPORT_MAPPINGS`` that have an interval (ConfigError: a bad one)."""
    paths = [Path(part.strip()) for part in setting.split(",") if part.strip()]
    return [m for m in (load_mapping(path) for path in paths) if m.interval_minutes > 0]


class ImportSchedule:
    """One task per scheduled source, until stopped."""

    def __init__(
        self, pool: asyncpg.Pool, mappings: list[Mapping], *, sleep: Sleep = asyncio.sleep
    ) -> None:
        self._pool = pool
        self._mappings = mappings
        self._sleep = sleep
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.runs: dict[str, int] = {mapping.name: 0 for mapping in mappings}

    def start(self) -> None:
        self._stopping.clear()
        self._tasks = [
            asyncio.create_task(self._loop(mapping), name=f"store-import-{mapping.name}")
            for mapping in self._mappings
        ]

    async def stop(self) -> None:
        self._stopping.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self, mapping: Mapping) -> None:
        while not self._stopping.is_set():
            await self.sync_once(mapping)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._stopping.wait(), timeout=mapping.interval_minutes * 60.0
                )

    async def sync_once(self, mapping: Mapping) -> None:
        """Sync one source, logging the outcome; a failure is logged, not raised."""
        try:
            report = await run_sync(self._pool, mapping, sleep=self._sleep)
        except ConciergeError as exc:
            log.warning(
                "scheduled import failed", extra={"source": mapping.name, "error": str(exc)}
            )
        except Exception as exc:
            log.warning(
                "scheduled import failed",
                extra={"source": mapping.name, "error": type(exc).__name__},
            )
        else:
            log.info(
                "scheduled import done", extra={"source": mapping.name, "changes": report.changes}
            )
        self.runs[mapping.name] += 1
