"""``python -m store purge [--dry-run]``: one retention purge now, and its report.

The running store purges on its own every ``RETENTION_INTERVAL_SECONDS``
(:mod:`store.retention_job`); this command is for an operator who wants to see
what the windows remove (``--dry-run``: counts only, nothing deleted) or to
purge at once after shortening a window.
"""

from __future__ import annotations

from concierge_common.storage.media_storage import open_storage
from store.retention import KINDS, Purge, PurgeReport, RetentionPolicy
from store.settings import PurgeSettings


async def purge(settings: PurgeSettings, *, dry_run: bool) -> str:
    """Run (or count) a purge with ``settings``; the report to print."""
    policy = RetentionPolicy.of(settings)
    job = Purge(settings.database_url, open_storage(settings.media_storage_url), policy)
    report = await (job.dry_run() if dry_run else job.run())
    return describe(report, policy)


def describe(report: PurgeReport, policy: RetentionPolicy) -> str:
    """One line per kind: how many rows went (or would go), and the window."""
    if report.skipped:
        return "retention purge skipped: another store replica is purging right now"
    verb = "would delete" if report.dry_run else "deleted"
    lines = [f"retention purge{' (dry run)' if report.dry_run else ''}:"]
    for kind in KINDS:
        days = policy.days(kind)
        window = f"older than {days} days" if days else "kept for ever"
        lines.append(f"  {kind}: {verb} {report.rows[kind]} ({window})")
    files = "media files" + (" (one per media row)" if report.dry_run else "")
    lines.append(f"  {files}: {verb} {report.files}")
    return "\n".join(lines)
