"""The case file checked against the parish: expectations it can honestly hold.

Checked before anything starts, so that a wrong case fails the run with its
name rather than as a mysterious miss:

* an expected fact exists and is valid at the reference date, and each of its
  snippets (one alternative at least) is really in that fact;
* a family case proves that family's code in its messages, and its snippets
  are in that family's record;
* a family's markers are in its record and nowhere the concierge may say
  them to anyone (facts, prompts, the other families);
* every fact with a validity window has markers (so that answering from it
  when it is not valid is seen), found in it and in no other fact or prompt;
* no marker of another parish (``foreign_markers``) is anywhere in this one,
  and no code-request marker is in a fact (a right answer would look like a
  code request).
"""

from __future__ import annotations

from collections.abc import Iterable

from concierge_devkit.evaluation.cases import Case, CaseFileError, CaseSet
from concierge_devkit.evaluation.parish import Parish, reference_moment
from concierge_devkit.evaluation.text import compact, fold, has

MAX_PROBLEMS_SHOWN = 20


def check_consistency(cases: CaseSet, parish: Parish) -> None:
    """Raise :class:`CaseFileError` listing every problem found (the first ones)."""
    problems = [
        *_family_problems(cases, parish),
        *_marker_problems(cases, parish),
        *_foreign_problems(cases, parish),
        *(problem for case in cases.cases for problem in _case_problems(case, cases, parish)),
    ]
    if problems:
        shown = "\n  ".join(problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        tail = f"\n  ... and {more} more" if more > 0 else ""
        raise CaseFileError(f"{cases.source} does not match the parish:\n  {shown}{tail}")


def _case_problems(case: Case, cases: CaseSet, parish: Parish) -> Iterable[str]:
    where = f"case {case.id!r}"
    if case.fact is not None:
        yield from _fact_case_problems(case, cases, parish, where)
    if case.family is not None:
        family = cases.families[case.family]
        if not any(compact(family.code) in compact(text) for text in case.texts):
            yield f"{where}: family {case.family!r} but its code {family.code} is never sent"
        if case.expect == "family":
            record = parish.family(family.code)
            text = fold(record.text) if record else ""
            yield from _missing(case, text, f"{where}: snippet {{}} is not in the family's record")


def _fact_case_problems(case: Case, cases: CaseSet, parish: Parish, where: str) -> Iterable[str]:
    fact = parish.fact(case.fact or "")
    if fact is None:
        yield f"{where}: no fact titled {case.fact!r} in the parish"
        return
    if not fact.valid_at(reference_moment(cases.reference_date)):
        yield f"{where}: fact {case.fact!r} is not valid on {cases.reference_date}"
    text = fold(f"{fact.title} {fact.content}")
    yield from _missing(case, text, f"{where}: snippet {{}} is not in fact {case.fact!r}")


def _missing(case: Case, folded: str, message: str) -> Iterable[str]:
    for alternatives in case.snippets:
        if not any(has(folded, fold(option)) for option in alternatives):
            yield message.format(" / ".join(repr(option) for option in alternatives))


def _family_problems(cases: CaseSet, parish: Parish) -> Iterable[str]:
    for key, spec in cases.families.items():
        record = parish.family(spec.code)
        if record is None:
            yield f"family {key!r}: no family of the parish has the code {spec.code}"
            continue
        others = [f.text for f in parish.families if f.code != spec.code]
        elsewhere = fold(" \n ".join([*_public_texts(parish), *others]))
        for marker in spec.markers:
            if not has(fold(record.text), fold(marker)):
                yield f"family {key!r}: marker {marker!r} is not in its record"
            if has(elsewhere, fold(marker)):
                yield f"family {key!r}: marker {marker!r} also appears outside the family"


def _marker_problems(cases: CaseSet, parish: Parish) -> Iterable[str]:
    for fact in parish.facts:
        if fact.dated and fact.title not in cases.fact_markers:
            yield f"fact {fact.title!r} has a validity window but no markers under 'facts'"
    for title, markers in cases.fact_markers.items():
        marked = parish.fact(title)
        if marked is None:
            yield f"facts: no fact titled {title!r} in the parish"
            continue
        others = [f"{f.title} {f.content}" for f in parish.facts if f.title != title]
        elsewhere = fold(" \n ".join([*others, *parish.prompts]))
        for marker in markers:
            if not has(fold(marked.content), fold(marker)):
                yield f"fact {title!r}: marker {marker!r} is not in its content"
            if has(elsewhere, fold(marker)):
                yield f"fact {title!r}: marker {marker!r} also appears in another fact or prompt"


def _foreign_problems(cases: CaseSet, parish: Parish) -> Iterable[str]:
    own = fold(
        " \n ".join(
            [*_public_texts(parish), *parish.system_prompts, *(f.text for f in parish.families)]
        )
    )
    for marker in cases.foreign_markers:
        if has(own, fold(marker)):
            yield f"foreign marker {marker!r} is in this parish's own data"
    facts = fold(" \n ".join(f"{f.title} {f.content}" for f in parish.facts))
    for marker in cases.code_request_markers:
        if has(facts, fold(marker)):
            yield f"code request marker {marker!r} is in a fact (an answer would look like one)"


def _public_texts(parish: Parish) -> list[str]:
    return [*(f"{f.title} {f.content}" for f in parish.facts), *parish.prompts]
