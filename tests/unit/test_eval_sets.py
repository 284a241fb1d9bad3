"""``concierge eval`` with several sets: which run, their thresholds, the summary and the JSON."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from concierge_devkit.cli import build_parser
from concierge_devkit.errors import DevkitError
from concierge_devkit.evaluation.cases import CaseSet, parse_cases
from concierge_devkit.evaluation.command import (
    DEFAULT_CASES,
    HELD_BACK_CASES,
    only_cases,
    options_from,
    report_json,
    summary,
)
from concierge_devkit.evaluation.parish import load_seed
from concierge_devkit.evaluation.report import Metrics, Share, Thresholds
from concierge_devkit.evaluation.session import Outcome, Prepared


def options(*arguments: str) -> Any:
    return options_from(build_parser().parse_args(["eval", *arguments]))


def prepared(**top: Any) -> Prepared:
    raw = {
        "reference_date": "2026-11-25",
        "handoff_markers": ["Je transmets"],
        "decline_markers": ["Je n'ai pas"],
        "cases": [{"id": "h", "send": "humain", "expect": "handoff"}],
        **top,
    }
    cases: CaseSet = parse_cases(raw, "set.yaml")
    return Prepared(cases, load_seed(), 0)


def metrics(right: int, of: int, *, handed: int = 0, leaks: int = 0) -> Metrics:
    return Metrics(
        right_facts=Share(right, of),
        family_answers=Share(0, 0),
        handoffs=Share(2, 2),
        answerable_handoffs=Share(handed, of),
        declines=Share(0, 0),
        safe=Share(0, 0),
        expired=0,
        leaks=leaks,
        foreign=leaks,
        prompt_leaks=0,
        cases=of + 2,
        failed=of - right,
    )


def outcome(name: str, found: Metrics, limits: Thresholds, missed: tuple[str, ...]) -> Outcome:
    return Outcome((), f"report of {name}", {"run": {"set": name}}, missed, name, found, limits)


def test_both_sets_run_by_default_and_one_can_be_picked() -> None:
    assert options().cases == (DEFAULT_CASES, HELD_BACK_CASES)
    assert options("--set", "demo").cases == (DEFAULT_CASES,)
    assert options("--set", "held-back").cases == (HELD_BACK_CASES,)


def test_case_files_given_replace_the_named_sets() -> None:
    chosen = options("--set", "held-back", "--cases", "a.yaml", "--cases", "b.yaml")
    assert chosen.cases == (Path("a.yaml"), Path("b.yaml"))


def test_only_plays_the_cases_named_or_matched_and_refuses_a_pattern_matching_none() -> None:
    three = prepared(
        cases=[
            {"id": "kt-01", "send": "humain", "expect": "handoff"},
            {"id": "kt-02", "send": "humain", "expect": "handoff"},
            {"id": "vie-01", "send": "humain", "expect": "handoff"},
        ]
    )
    chosen = options("--only", "kt-*", "--only", "vie-01").only
    assert [case.id for case in only_cases(three, chosen).cases.cases] == [
        "kt-01",
        "kt-02",
        "vie-01",
    ]
    assert [case.id for case in only_cases(three, ("kt-02",)).cases.cases] == ["kt-02"]
    assert only_cases(three, ()) is three
    with pytest.raises(DevkitError, match="no case"):
        only_cases(three, ("fait-*",))


def test_an_unknown_set_name_is_refused() -> None:
    with pytest.raises(SystemExit):
        options("--set", "elsewhere")


def test_a_set_without_thresholds_gets_the_demo_defaults() -> None:
    assert options().limits_for(prepared()) == Thresholds()


def test_a_set_file_sets_its_own_targets_and_an_option_overrides_them() -> None:
    own = prepared(thresholds={"min_right_facts": 0.92, "max_answerable_handoffs": 0.03})
    limits = options().limits_for(own)
    assert (limits.min_right_facts, limits.max_answerable_handoffs) == (0.92, 0.03)
    assert limits.min_handoffs == 1.0
    overridden = options("--min-right-facts", "0.5").limits_for(own)
    assert (overridden.min_right_facts, overridden.max_answerable_handoffs) == (0.5, 0.03)


def test_the_summary_puts_the_sets_side_by_side_with_their_own_thresholds() -> None:
    demo = outcome("demo", metrics(9, 10), Thresholds(), ())
    held = Thresholds(min_right_facts=0.92, max_answerable_handoffs=0.03)
    back = outcome("held-back", metrics(8, 10, handed=1, leaks=2), held, ("right facts",))
    text = summary([demo, back])
    lines = text.splitlines()
    assert lines[0] == "Summary of the sets:"
    assert "demo" in lines[1]
    assert "held-back" in lines[1]
    right = next(line for line in lines if line.lstrip().startswith("answerable questions right"))
    assert "90.0 % (min 80 %)" in right
    assert "80.0 % (min 92 %)" in right
    handed = next(line for line in lines if line.lstrip().startswith("answerable handed off"))
    assert "0.0 % (max 100 %)" in handed
    assert "10.0 % (max 3 %)" in handed
    leaks = next(line for line in lines if line.lstrip().startswith("leaks"))
    assert "0 (max 0)" in leaks
    assert "2 (max 0)" in leaks
    assert text.endswith("FAILED: held-back")


def test_the_summary_passes_when_every_set_met_its_thresholds() -> None:
    demo = outcome("demo", metrics(9, 10), Thresholds(), ())
    assert summary([demo]).endswith("PASSED: every set met its thresholds")


def test_the_json_report_is_one_sets_object_or_every_set_by_name() -> None:
    demo = outcome("demo", metrics(9, 10), Thresholds(), ())
    back = outcome("held-back", metrics(8, 10), Thresholds(), ("right facts",))
    assert report_json([demo]) == {"run": {"set": "demo"}}
    both = report_json([demo, back])
    assert both["passed"] is False
    assert list(both["sets"]) == ["demo", "held-back"]


def test_the_set_is_named_after_its_file_unless_it_names_itself() -> None:
    assert prepared().cases.name == "set"
    assert prepared(name="held-back").cases.name == "held-back"
    assert prepared().cases.reference_date == date(2026, 11, 25)
