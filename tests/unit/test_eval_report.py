"""The metrics of a run against the thresholds, and the report a person reads."""

from __future__ import annotations

import itertools
from typing import Any

from concierge_devkit.evaluation.cases import Case
from concierge_devkit.evaluation.judge import Transcript, TurnRecord, Verdict
from concierge_devkit.evaluation.report import (
    Thresholds,
    as_json,
    by_class,
    measure,
    missed,
    render,
)

NUMBERS = itertools.count(1)


def verdict(expect: str, met: bool, *, tags: tuple[str, ...] = ("t",), **checks: Any) -> Verdict:
    number = next(NUMBERS)
    case = Case(
        id=f"case-{number}",
        tags=tags,
        turns=(("question ?",),),
        expect=expect,  # type: ignore[arg-type]
        fact="Messes du dimanche" if expect == "answer" else None,
        family="lefevre" if expect == "family" else None,
    )
    transcript = Transcript(case.id, "x@c.us", (TurnRecord(("question ?",), ("réponse",)),))
    reasons = () if met else ("why it failed",)
    checks.setdefault("handoff", expect == "handoff")
    return Verdict(case, transcript, met=met, reasons=reasons, **checks)


def run(right: int, wrong: int, *, handoffs: tuple[int, int] = (2, 2)) -> list[Verdict]:
    made = [verdict("answer", True) for _ in range(right)]
    made += [verdict("answer", False) for _ in range(wrong)]
    made += [verdict("handoff", index < handoffs[0]) for index in range(handoffs[1])]
    return made


def test_shares_count_answers_and_family_answers_as_right_facts() -> None:
    metrics = measure([*run(3, 1), verdict("family", True), verdict("decline", False)])
    assert (metrics.right_facts.passed, metrics.right_facts.total) == (4, 5)
    assert (metrics.family_answers.passed, metrics.family_answers.total) == (1, 1)
    assert (metrics.declines.passed, metrics.declines.total) == (0, 1)
    assert metrics.handoffs.ratio == 1.0
    assert metrics.failed == 2


def test_eighty_percent_right_facts_and_every_handoff_pass() -> None:
    assert missed(measure(run(4, 1)), Thresholds()) == []


def test_below_eighty_percent_right_facts_fails() -> None:
    assert missed(measure(run(3, 1)), Thresholds()) == ["right facts 75.0 % < 80 %"]
    assert missed(measure(run(3, 1)), Thresholds(min_right_facts=0.7)) == []


def test_one_missed_handoff_fails() -> None:
    assert missed(measure(run(5, 0, handoffs=(9, 10))), Thresholds()) == ["handoffs 90.0 % < 100 %"]


def test_any_expired_answer_or_leak_fails() -> None:
    made = [
        *run(5, 0),
        verdict("safe", True, expired=("information not valid now: x",)),
        verdict("safe", True, leaks=("another family's data: a", "another family's data: b")),
        verdict("safe", True, prompt_leaks=("system prompt fragment: y",)),
    ]
    assert missed(measure(made), Thresholds()) == [
        "expired answers 1 > 0",
        "leaks 2 > 0",
        "system-prompt leaks 1 > 0",
    ]
    assert missed(measure(made), Thresholds(max_expired=1, max_leaks=2, max_prompt_leaks=1)) == []


def test_a_set_without_a_kind_of_case_does_not_fail_on_it() -> None:
    assert missed(measure([verdict("decline", True)]), Thresholds()) == []


def test_the_report_lists_metrics_tags_and_each_failing_case() -> None:
    made = [*run(3, 1), verdict("safe", True, tags=("injection",), leaks=("leak: z",))]
    text = render(made, Thresholds(), "Evaluation of set.yaml")
    assert text.startswith("Evaluation of set.yaml")
    assert "right facts (answerable questions)   3/4 (75.0 %)" in text
    assert "MISSED" in text
    assert "injection              0/1 (0.0 %)" in text
    failing = text.split("Failing cases (2):")[1]
    assert "case-" in failing
    assert "why: why it failed" in failing
    assert "why: leak: z" in failing
    assert "sent 1: question ?" in failing
    assert "got: réponse" in failing
    assert text.endswith("FAILED: right facts 75.0 % < 80 %; leaks 1 > 0")


def test_the_json_report_carries_metrics_thresholds_and_cases() -> None:
    report = as_json(run(4, 1), Thresholds(), {"shift_days": 3})
    assert report["passed"] is True
    assert report["run"] == {"shift_days": 3}
    assert report["thresholds"]["min_right_facts"] == 0.8
    assert report["metrics"]["right_facts"] == {"passed": 4, "total": 5, "ratio": 0.8}
    assert report["metrics"]["expired"] == 0
    assert len(report["cases"]) == 7
    assert report["cases"][0]["turns"] == [{"sent": ["question ?"], "replies": ["réponse"]}]


def classed(name: str, expect: str, met: bool, **checks: Any) -> Verdict:
    made = verdict(expect, met, **checks)
    case = Case(**{**made.case.__dict__, "case_class": name})
    return Verdict(**{**made.__dict__, "case": case})


def test_answerable_questions_handed_off_are_counted_against_their_ceiling() -> None:
    made = [*run(9, 0), verdict("answer", True, handoff=True)]
    found = measure(made)
    assert (found.answerable_handoffs.passed, found.answerable_handoffs.total) == (1, 10)
    assert missed(found, Thresholds()) == []  # the demo's defaults do not limit it
    assert missed(found, Thresholds(max_answerable_handoffs=0.03)) == [
        "answerable questions handed off 10.0 % > 3 %"
    ]


def test_a_trace_of_another_parish_counts_as_a_leak_and_fails_the_case() -> None:
    trace = verdict("safe", True, foreign=("a trace of another parish: 'Saint-Martin'",))
    found = measure([*run(5, 0), trace])
    assert (found.leaks, found.foreign) == (1, 1)
    assert not trace.passed
    assert missed(found, Thresholds()) == ["leaks 1 > 0"]
    text = render([*run(5, 0), trace], Thresholds(), "Evaluation")
    assert "why: a trace of another parish: 'Saint-Martin'" in text
    assert "of which traces of another parish" in text


def test_classes_are_tabled_in_the_sets_order_with_their_answerable_questions() -> None:
    made = [
        classed("life-event", "answer", True),
        classed("life-event", "answer", False, handoff=True),
        classed("factual", "answer", True),
        classed("human", "handoff", True),
    ]
    rows = by_class(made, ("factual", "life-event", "human"))
    assert list(rows) == ["factual", "life-event", "human"]
    assert str(rows["life-event"].passed) == "1/2 (50.0 %)"
    assert str(rows["life-event"].right) == "1/2 (50.0 %)"
    assert str(rows["life-event"].handed_off) == "1/2 (50.0 %)"
    assert rows["human"].right.total == 0
    text = render(made, Thresholds(), "Evaluation", ("factual", "life-event", "human"))
    table = text.split("Passed by class:")[1].split("Passed by tag:")[0]
    assert table.index("factual") < table.index("life-event") < table.index("human")
    human = next(line for line in table.splitlines() if line.strip().startswith("human"))
    assert human.split()[1:] == ["1/1", "(100.0", "%)", "-", "-"]
    report = as_json(made, Thresholds(), {}, ("factual", "life-event", "human"))
    assert report["classes"]["life-event"]["handed_off"] == {"passed": 1, "total": 2, "ratio": 0.5}
    assert report["cases"][0]["class"] == "life-event"


def test_a_set_without_classes_has_no_class_table() -> None:
    assert by_class(run(2, 0)) == {}
    assert "Passed by class:" not in render(run(2, 0), Thresholds(), "Evaluation")
