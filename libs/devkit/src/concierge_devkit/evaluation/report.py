"""The metrics of a run, the thresholds it must reach, and the report (text and JSON).

A set's report: its metrics against its thresholds, the pass rate per class
(when the set declares classes) and per tag, then every failing case. When
several sets run, :func:`render_summary` puts their headline metrics side by
side (issue 15's: answerable questions right, human requests handed off,
answerable questions handed off, invalid information served, leaks).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from concierge_devkit.evaluation.cases import Case
from concierge_devkit.evaluation.judge import Verdict
from concierge_devkit.evaluation.thresholds import Thresholds

__all__ = [
    "ClassRow",
    "Metrics",
    "Share",
    "Thresholds",
    "as_json",
    "by_class",
    "by_tag",
    "measure",
    "missed",
    "render",
    "render_summary",
]

REPLY_CHARS = 300  # of each reply quoted in the text report
UNCLASSED = "(no class)"


@dataclass(frozen=True)
class Share:
    passed: int
    total: int

    @property
    def ratio(self) -> float | None:
        return self.passed / self.total if self.total else None

    @property
    def ratio_text(self) -> str:
        ratio = self.ratio
        return "n/a" if ratio is None else f"{100 * ratio:.1f} %"

    def __str__(self) -> str:
        return f"{self.passed}/{self.total} ({self.ratio_text})"


@dataclass(frozen=True)
class Metrics:
    right_facts: Share  # answerable questions (answer + family) answered with the right fact
    family_answers: Share  # of which verified parents' questions about their children
    handoffs: Share  # explicit human requests handed off
    answerable_handoffs: Share  # answerable questions that were handed off (lower is better)
    declines: Share  # out-of-scope or unavailable information declined or handed off
    safe: Share  # cases with no other expectation than the checks
    expired: int  # replies drawing on information not valid now
    leaks: int  # replies with another family's data or a trace of another parish
    foreign: int  # of which traces of another parish
    prompt_leaks: int  # replies with a fragment of a system prompt
    cases: int
    failed: int


def _share(verdicts: Sequence[Verdict], kinds: set[str]) -> Share:
    chosen = [v for v in verdicts if v.case.expect in kinds]
    return Share(sum(1 for v in chosen if v.met), len(chosen))


def _handed_off(verdicts: Sequence[Verdict]) -> Share:
    answerable = [v for v in verdicts if v.case.answerable]
    return Share(sum(1 for v in answerable if v.handoff), len(answerable))


def measure(verdicts: Sequence[Verdict]) -> Metrics:
    return Metrics(
        right_facts=_share(verdicts, {"answer", "family"}),
        family_answers=_share(verdicts, {"family"}),
        handoffs=_share(verdicts, {"handoff"}),
        answerable_handoffs=_handed_off(verdicts),
        declines=_share(verdicts, {"decline"}),
        safe=_share(verdicts, {"safe"}),
        expired=sum(len(v.expired) for v in verdicts),
        leaks=sum(len(v.leaks) + len(v.foreign) for v in verdicts),
        foreign=sum(len(v.foreign) for v in verdicts),
        prompt_leaks=sum(len(v.prompt_leaks) for v in verdicts),
        cases=len(verdicts),
        failed=sum(1 for v in verdicts if not v.passed),
    )


def missed(metrics: Metrics, limits: Thresholds) -> list[str]:
    """The thresholds the run did not reach (empty: the run passes)."""
    found = []
    facts, handoffs = metrics.right_facts.ratio, metrics.handoffs.ratio
    if facts is not None and facts < limits.min_right_facts:
        found.append(f"right facts {100 * facts:.1f} % < {100 * limits.min_right_facts:g} %")
    if handoffs is not None and handoffs < limits.min_handoffs:
        found.append(f"handoffs {100 * handoffs:.1f} % < {100 * limits.min_handoffs:g} %")
    needless = metrics.answerable_handoffs.ratio
    if needless is not None and needless > limits.max_answerable_handoffs:
        found.append(
            f"answerable questions handed off {100 * needless:.1f} %"
            f" > {100 * limits.max_answerable_handoffs:g} %"
        )
    for name, value, limit in (
        ("expired answers", metrics.expired, limits.max_expired),
        ("leaks", metrics.leaks, limits.max_leaks),
        ("system-prompt leaks", metrics.prompt_leaks, limits.max_prompt_leaks),
    ):
        if value > limit:
            found.append(f"{name} {value} > {limit}")
    return found


def by_tag(verdicts: Sequence[Verdict]) -> dict[str, Share]:
    tags = sorted({tag for v in verdicts for tag in v.case.tags})
    return {
        tag: Share(
            sum(1 for v in verdicts if tag in v.case.tags and v.passed),
            sum(1 for v in verdicts if tag in v.case.tags),
        )
        for tag in tags
    }


@dataclass(frozen=True)
class ClassRow:
    """One class of cases: how many passed, and its answerable questions' fate."""

    passed: Share  # cases passed (every check)
    right: Share  # answerable questions answered right (expectation met)
    handed_off: Share  # answerable questions handed off


def by_class(verdicts: Sequence[Verdict], classes: Sequence[str] = ()) -> dict[str, ClassRow]:
    """Rows in the order of ``classes`` (the set's), then any other class; empty without any."""
    if not any(v.case.case_class for v in verdicts):
        return {}
    seen = {v.case.case_class or UNCLASSED for v in verdicts}
    order = [name for name in classes if name in seen]
    order += sorted(seen - set(order))
    rows = {}
    for name in order:
        chosen = [v for v in verdicts if (v.case.case_class or UNCLASSED) == name]
        answerable = [v for v in chosen if v.case.answerable]
        rows[name] = ClassRow(
            passed=Share(sum(1 for v in chosen if v.passed), len(chosen)),
            right=Share(sum(1 for v in answerable if v.met), len(answerable)),
            handed_off=Share(sum(1 for v in answerable if v.handoff), len(answerable)),
        )
    return rows


def render(
    verdicts: Sequence[Verdict],
    limits: Thresholds,
    heading: str,
    classes: Sequence[str] = (),
) -> str:
    """The human-readable report: metrics against thresholds, classes, tags, failing cases."""
    metrics = measure(verdicts)
    lines = [heading, *_metric_lines(metrics, limits)]
    rows = by_class(verdicts, classes)
    if rows:
        lines += ["", f"{'Passed by class:':<28} {'cases passed':<18} "
                  f"{'answerable right':<18} answerable handed off"]  # fmt: skip
        lines += [
            f"  {name:<26} {row.passed!s:<18} {_or_dash(row.right):<18} {_or_dash(row.handed_off)}"
            for name, row in rows.items()
        ]
    lines += ["", "Passed by tag:"]
    lines += [f"  {tag:<22} {share}" for tag, share in by_tag(verdicts).items()]
    failing = [v for v in verdicts if not v.passed]
    lines += ["", f"Failing cases ({len(failing)}):"]
    for verdict in failing:
        lines += _case_lines(verdict)
    problems = missed(metrics, limits)
    verdict_line = "FAILED: " + "; ".join(problems) if problems else "PASSED: every threshold met"
    lines += ["", verdict_line]
    return "\n".join(lines)


def _or_dash(share: Share) -> str:
    return str(share) if share.total else "-"


def _ok(good: bool) -> str:
    return "ok" if good else "MISSED"


def _reached(share: Share, minimum: float) -> str:
    ratio = share.ratio
    return f"min {100 * minimum:g} %  {_ok(ratio is None or ratio >= minimum)}"


def _at_most(count: int, maximum: int) -> str:
    return f"max {maximum}  {_ok(count <= maximum)}"


def _share_at_most(share: Share, maximum: float) -> str:
    ratio = share.ratio
    return f"max {100 * maximum:g} %  {_ok(ratio is None or ratio <= maximum)}"


def _metric_lines(metrics: Metrics, limits: Thresholds) -> list[str]:
    rows = [
        ("right facts (answerable questions)", metrics.right_facts,
         _reached(metrics.right_facts, limits.min_right_facts)),
        ("  of which verified parents", metrics.family_answers, ""),
        ("handoffs when asked", metrics.handoffs, _reached(metrics.handoffs, limits.min_handoffs)),
        ("answerable questions handed off", metrics.answerable_handoffs,
         _share_at_most(metrics.answerable_handoffs, limits.max_answerable_handoffs)),
        ("declined when out of scope", metrics.declines, "(reported)"),
        ("safe (injections, codes...)", metrics.safe, "(reported)"),
        ("answers from invalid information", metrics.expired,
         _at_most(metrics.expired, limits.max_expired)),
        ("leaks (families, other parish)", metrics.leaks,
         _at_most(metrics.leaks, limits.max_leaks)),
        ("  of which traces of another parish", metrics.foreign, ""),
        ("system-prompt leaks", metrics.prompt_leaks,
         _at_most(metrics.prompt_leaks, limits.max_prompt_leaks)),
        ("cases passed", f"{metrics.cases - metrics.failed}/{metrics.cases}", ""),
    ]  # fmt: skip
    return [f"  {label:<36} {value!s:<18} {limit}".rstrip() for label, value, limit in rows]


def _case_lines(verdict: Verdict) -> list[str]:
    case, transcript = verdict.case, verdict.transcript
    why = [
        *verdict.reasons,
        *verdict.expired,
        *verdict.leaks,
        *verdict.foreign,
        *verdict.prompt_leaks,
    ]
    lines = [f"- {case.id} [{', '.join(case.tags)}] expect {_expected(case)}"]
    if case.note:
        lines.append(f"    note: {case.note}")
    lines += [f"    why: {reason}" for reason in why]
    for number, turn in enumerate(transcript.turns, 1):
        lines.append(f"    sent {number}: {' | '.join(turn.sent)}")
        lines += [f"      got: {_short(reply)}" for reply in turn.replies] or ["      got nothing"]
    return lines


def _expected(case: Case) -> str:
    if case.fact:
        return f"answer {case.fact!r}"
    if case.expect == "family":
        return f"family answer ({case.family})"
    return case.expect


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= REPLY_CHARS else flat[: REPLY_CHARS - 1] + "…"


def as_json(
    verdicts: Sequence[Verdict],
    limits: Thresholds,
    run: dict[str, Any],
    classes: Sequence[str] = (),
) -> dict[str, Any]:
    """The machine-readable report (``--report``)."""
    metrics = measure(verdicts)
    return {
        "run": run,
        "thresholds": asdict(limits),
        "passed": not missed(metrics, limits),
        "missed": missed(metrics, limits),
        "metrics": _metrics_json(metrics),
        "classes": {
            name: {column: _share_json(share) for column, share in _row_shares(row).items()}
            for name, row in by_class(verdicts, classes).items()
        },
        "tags": {tag: asdict(share) for tag, share in by_tag(verdicts).items()},
        "cases": [_case_json(verdict) for verdict in verdicts],
    }


def _row_shares(row: ClassRow) -> dict[str, Share]:
    return {item.name: getattr(row, item.name) for item in fields(row)}


def _share_json(share: Share) -> dict[str, Any]:
    return {**asdict(share), "ratio": share.ratio}


def render_summary(results: Mapping[str, tuple[Metrics, Thresholds]]) -> str:
    """Several sets side by side: issue 15's figures, each with the set's own threshold."""
    names = list(results)
    width = max(22, *(len(name) + 2 for name in names))
    rows: list[tuple[str, list[str]]] = [
        ("answerable questions right", [
            f"{m.right_facts.ratio_text} (min {100 * t.min_right_facts:g} %)"
            for m, t in results.values()]),
        ("human requests handed off", [
            f"{m.handoffs.ratio_text} (min {100 * t.min_handoffs:g} %)"
            for m, t in results.values()]),
        ("answerable handed off", [
            f"{m.answerable_handoffs.ratio_text} (max {100 * t.max_answerable_handoffs:g} %)"
            for m, t in results.values()]),
        ("invalid facts served", [f"{m.expired} (max {t.max_expired})"
                                  for m, t in results.values()]),
        ("leaks", [f"{m.leaks} (max {t.max_leaks})" for m, t in results.values()]),
        ("cases passed", [f"{m.cases - m.failed}/{m.cases}" for m, _ in results.values()]),
        ("verdict", ["FAILED" if missed(m, t) else "PASSED" for m, t in results.values()]),
    ]  # fmt: skip
    lines = [
        "Summary of the sets:",
        f"  {'':<30}" + "".join(f"{name:<{width}}" for name in names).rstrip(),
    ]
    lines += [
        f"  {label:<30}" + "".join(f"{value:<{width}}" for value in values).rstrip()
        for label, values in rows
    ]
    return "\n".join(lines)


def _metrics_json(metrics: Metrics) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for item in fields(metrics):
        value = getattr(metrics, item.name)
        if isinstance(value, Share):
            value = {**asdict(value), "ratio": value.ratio}
        shown[item.name] = value
    return shown


def _case_json(verdict: Verdict) -> dict[str, Any]:
    case, transcript = verdict.case, verdict.transcript
    return {
        "id": case.id,
        "tags": list(case.tags),
        "class": case.case_class,
        "expect": case.expect,
        "fact": case.fact,
        "family": case.family,
        "passed": verdict.passed,
        "met": verdict.met,
        "handoff": verdict.handoff,
        "reasons": list(verdict.reasons),
        "expired": list(verdict.expired),
        "leaks": list(verdict.leaks),
        "foreign": list(verdict.foreign),
        "prompt_leaks": list(verdict.prompt_leaks),
        "turns": [{"sent": list(t.sent), "replies": list(t.replies)} for t in transcript.turns],
        "staff_alerts": list(transcript.staff_alerts),
    }
