"""``concierge eval``: the case set through the real pipeline; exit 1 below the thresholds.

The report is printed (metrics against thresholds, pass rate by tag, every
failing case with what was sent, what came back and why it failed) and, with
``--report``, written as JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from concierge_devkit.errors import DevkitError
from concierge_devkit.evaluation.driver import Timing
from concierge_devkit.evaluation.pipeline import PipelineOptions, start_pipeline
from concierge_devkit.evaluation.report import Thresholds
from concierge_devkit.evaluation.session import Outcome, evaluate, prepare
from concierge_devkit.signals import cancel_on_sigterm

log = logging.getLogger(__name__)

DEFAULT_CASES = Path("tests/eval/parish.yaml")


@dataclass(frozen=True)
class EvalOptions:
    cases: Path
    report: Path | None
    pipeline: PipelineOptions
    timing: Timing
    limits: Thresholds


def add_parser(commands: Any) -> None:
    """The ``eval`` sub-command and its options."""
    parser = commands.add_parser(
        "eval", help="run the evaluation set through the real pipeline and score it"
    )
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="the case file (YAML)")
    parser.add_argument("--report", type=Path, help="also write the report as JSON there")
    parser.add_argument("--concurrency", type=int, default=12, help="cases played at once")
    parser.add_argument(
        "--answer-timeout", type=float, default=20.0, help="seconds to wait for a turn's reply"
    )
    parser.add_argument(
        "--settle", type=float, default=1.5, help="seconds of quiet that end a turn's replies"
    )
    parser.add_argument(
        "--burst-window", type=float, default=1.0, help="the router's burst window (seconds)"
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="hide ANTHROPIC_* from the services: evaluate the offline answerer",
    )
    parser.add_argument(
        "--ready-timeout", type=float, default=90.0, help="seconds for the services to be ready"
    )
    limits = Thresholds()
    for flag, kind, default, what in (
        ("--min-right-facts", float, limits.min_right_facts, "share of right facts (0-1)"),
        ("--min-handoffs", float, limits.min_handoffs, "share of human requests handed off"),
        ("--max-expired", int, limits.max_expired, "answers from invalid information"),
        ("--max-leaks", int, limits.max_leaks, "cross-family leaks"),
        ("--max-prompt-leaks", int, limits.max_prompt_leaks, "system-prompt leaks"),
    ):
        parser.add_argument(flag, type=kind, default=default, help=f"{what} (default {default})")


def options_from(args: argparse.Namespace) -> EvalOptions:
    if args.concurrency < 1:
        raise DevkitError("--concurrency must be at least 1")
    return EvalOptions(
        cases=args.cases,
        report=args.report,
        pipeline=PipelineOptions(
            data_dir=args.data_dir.resolve(),
            burst_window=args.burst_window,
            offline=args.offline,
            ready_timeout=args.ready_timeout,
        ),
        timing=Timing(args.answer_timeout, args.settle, args.concurrency),
        limits=Thresholds(
            min_right_facts=args.min_right_facts,
            min_handoffs=args.min_handoffs,
            max_expired=args.max_expired,
            max_leaks=args.max_leaks,
            max_prompt_leaks=args.max_prompt_leaks,
        ),
    )


async def run_eval(options: EvalOptions) -> int:
    """Start the pipeline, play and judge the set, stop everything; 1 below the thresholds."""
    cancel_on_sigterm()
    prepared = prepare(options.cases)  # a wrong case file fails before anything starts
    async with AsyncExitStack() as stack:
        target, fake = await start_pipeline(options.pipeline, prepared, stack)
        outcome = await evaluate(prepared, target, fake, options.timing, options.limits)
    print(outcome.text, flush=True)  # the report is the command's output
    if options.report is not None:
        _write(options.report, outcome)
    return 1 if outcome.missed else 0


def _write(path: Path, outcome: Outcome) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(outcome.report, ensure_ascii=False, indent=2) + "\n")
    except OSError as exc:
        raise DevkitError(f"cannot write the report to {path}: {exc.strerror}") from exc
    log.info("report written to %s", path)
