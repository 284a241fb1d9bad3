"""One evaluation, whatever runs the pipeline: prepare the set, play it, judge, report.

``concierge eval`` runs it against the five services it starts; the
end-to-end test runs the same code against the in-process stack.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from concierge_devkit.evaluation.cases import CaseSet, load_cases
from concierge_devkit.evaluation.consistency import check_consistency
from concierge_devkit.evaluation.driver import Target, Timing, play_all
from concierge_devkit.evaluation.judge import Judge, Verdict
from concierge_devkit.evaluation.parish import (
    SeedData,
    load_seed,
    parish_of,
    shift_days,
    shifted,
    today_in_parish,
)
from concierge_devkit.evaluation.report import (
    Metrics,
    Thresholds,
    as_json,
    measure,
    missed,
    render,
)
from concierge_devkit.waha_fake import WahaFake

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """A checked case set and the parish to seed, its dates moved to today."""

    cases: CaseSet
    seed: SeedData
    days: int  # how far the parish's dates were moved


@dataclass(frozen=True)
class Outcome:
    verdicts: Sequence[Verdict]
    text: str
    report: dict[str, Any]
    missed: Sequence[str]  # thresholds not reached (empty: passed)
    name: str = ""  # the set's name
    metrics: Metrics | None = None
    limits: Thresholds | None = None


def prepare(path: Path, today: date | None = None) -> Prepared:
    """Load and check the case file against its parish; shift the parish's dates.

    The parish is the case file's ``seed`` when it names one, else the store's demo parish.
    """
    cases = load_cases(path)
    seed = load_seed(cases.seed)
    check_consistency(cases, parish_of(seed))
    days = shift_days(cases.reference_date, today or today_in_parish())
    return Prepared(cases, shifted(seed, days), days)


async def evaluate(
    prepared: Prepared,
    target: Target,
    fake: WahaFake,
    timing: Timing,
    limits: Thresholds,
) -> Outcome:
    """Play every case against a running, seeded pipeline and judge them."""
    started = time.monotonic()
    judge = Judge(prepared.cases, parish_of(prepared.seed), datetime.now(UTC), days=prepared.days)
    cases = prepared.cases.cases
    log.info("evaluating %d cases, %d at a time", len(cases), timing.concurrency)
    transcripts = await play_all(cases, target, fake, timing, judge.is_handoff_notice)
    verdicts = [judge.judge(case, t) for case, t in zip(cases, transcripts, strict=True)]
    elapsed = time.monotonic() - started
    heading = _heading(prepared, len(verdicts), elapsed)
    classes = tuple(prepared.cases.classes)
    run = {
        "set": prepared.cases.name,
        "cases_file": prepared.cases.source,
        "reference_date": prepared.cases.reference_date.isoformat(),
        "shift_days": prepared.days,
        "duration_seconds": round(elapsed, 1),
    }
    metrics = measure(verdicts)
    return Outcome(
        verdicts=verdicts,
        text=render(verdicts, limits, heading, classes),
        report=as_json(verdicts, limits, run, classes),
        missed=missed(metrics, limits),
        name=prepared.cases.name,
        metrics=metrics,
        limits=limits,
    )


def _heading(prepared: Prepared, count: int, elapsed: float) -> str:
    reference = prepared.cases.reference_date
    today = reference + timedelta(days=prepared.days)
    return (
        f"Evaluation of the {prepared.cases.name!r} set ({prepared.cases.source}): "
        f"{count} cases in {elapsed:.0f} s "
        f"(parish dates moved by {prepared.days:+d} days: {today} stands for {reference})"
    )
