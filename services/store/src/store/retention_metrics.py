"""Metrics of the retention purge (:mod:`store.retention`): bounded labels only."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

PURGED = Counter(
    "concierge_store_retention_purged_total",
    "Rows and files deleted by the retention purge, by kind (interactions, artifacts, media: "
    "rows; media_files: files deleted from the media storage).",
    ["kind"],
)
RUNS = Counter(
    "concierge_store_retention_runs_total",
    "Retention purge runs of this replica, by outcome (done; skipped: another replica was "
    "purging; failed: the database failed, tried again at the next run).",
    ["outcome"],
)
LAST_DONE = Gauge(
    "concierge_store_retention_last_done_timestamp_seconds",
    "When this replica last completed a retention purge (0: never since it started).",
)
