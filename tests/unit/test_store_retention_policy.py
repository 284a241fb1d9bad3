"""Retention windows: their cutoffs, what 0 means, what is refused, and the report's words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from concierge_common.errors import InvalidRequest
from store.retention import PurgeReport, RetentionPolicy
from store.retention_command import describe

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def test_each_window_gives_its_own_cutoff_and_zero_none() -> None:
    policy = RetentionPolicy(interactions_days=365, artifacts_days=0, media_days=90)
    artifacts, interactions, media = policy.cutoffs(NOW)
    assert artifacts is None
    assert interactions == NOW - timedelta(days=365)
    assert media == NOW - timedelta(days=90)
    assert not policy.keeps_everything
    assert RetentionPolicy(0, 0, 0).keeps_everything


@pytest.mark.parametrize(
    "policy",
    [RetentionPolicy(-1, 0, 0), RetentionPolicy(0, 0, -5), RetentionPolicy(1, 1, 1, batch_size=0)],
)
def test_negative_windows_and_empty_batches_are_refused(policy: RetentionPolicy) -> None:
    with pytest.raises(InvalidRequest):
        policy.check()


def test_the_report_names_each_kind_with_its_window() -> None:
    policy = RetentionPolicy(interactions_days=365, artifacts_days=0, media_days=90)
    report = PurgeReport(
        rows={"artifacts": 0, "interactions": 4, "media": 2}, files=2, dry_run=True
    )
    text = describe(report, policy)
    assert "interactions: would delete 4 (older than 365 days)" in text
    assert "artifacts: would delete 0 (kept for ever)" in text
    assert "media files (one per media row): would delete 2" in text
    assert "skipped" in describe(PurgeReport(skipped=True), policy)
