"""The second, third and fourth tuning parishes: seed and case sets written without reading
the concierge's code (a Swiss parish of the canton of Fribourg, codes of two groups of six;
a Québec parish of the Gaspésie, codes of four groups of three; a parish of the canton of
Vaud, codes in the generated format, which was the sealed parish until 2026-12-05).

Only each set's shape is checked here (it loads, it matches its own parish, nothing of
the parishes written before it is in it, its targets are the issue's); no test plays
its cases through the pipeline.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from concierge_devkit.evaluation.cases import load_cases
from concierge_devkit.evaluation.parish import load_seed, parish_of, reference_moment
from concierge_devkit.evaluation.session import prepare
from concierge_devkit.evaluation.text import fold, has
from store import seed as store_seed
from store.codes import is_weak
from support.eval_sets import (
    DEMO,
    ISSUE_THRESHOLDS,
    STRONG_CODE,
    TUNING2,
    TUNING3,
    TUNING4,
    Parish,
    assert_cases_match_their_seed_only,
    assert_dated_facts_on_each_side,
    assert_every_class_and_enough_cases,
    assert_shares_nothing_with,
    formats_before,
    sets_before,
    words_before,
)

DEMO_QUESTIONS_IN_TUNING4 = {"when can i go to confession", "comment faire un don a la paroisse"}
PARISHES = pytest.mark.parametrize("parish", [TUNING2, TUNING3, TUNING4], ids=lambda p: p.folder)


@PARISHES
def test_the_cases_match_their_own_seed_only(parish: Parish) -> None:
    assert load_cases(parish.cases).name == parish.folder
    assert_cases_match_their_seed_only(parish.cases, parish.seed)


@PARISHES
def test_the_parish_shares_no_fact_title_family_or_code_with_the_earlier_ones(
    parish: Parish,
) -> None:
    assert_shares_nothing_with(parish.seed, sets_before(parish.folder))


@PARISHES
def test_the_seed_holds_no_marker_of_the_earlier_parishes(parish: Parish) -> None:
    cases = load_cases(parish.cases)
    words = words_before(parish.folder)
    assert words <= set(cases.foreign_markers)
    raw = fold(parish.seed.read_text(encoding="utf-8"))
    assert [m for m in cases.foreign_markers if has(raw, fold(m))] == []


@PARISHES
def test_the_words_that_mark_the_parish_are_its_own(parish: Parish) -> None:
    """What a later parish's set lists as this one's traces is really in this seed."""
    raw = fold(parish.seed.read_text(encoding="utf-8"))
    assert [m for m in parish.markers if not has(raw, fold(m))] == []


@PARISHES
def test_the_families_have_strong_codes_in_a_format_of_their_own(parish: Parish) -> None:
    """A code format of the parish's own, or the generated one (the first sealed parish)."""
    families = store_seed.load_file(parish.seed).families
    assert len(families) >= 3
    for family in families:
        assert parish.code.fullmatch(family.code), family.code
        if parish.code is not STRONG_CODE:
            assert not STRONG_CODE.fullmatch(family.code)  # not the generated format
        assert not any(other.fullmatch(family.code) for other in formats_before(parish.folder))
        assert all(
            any(c.isdigit() for c in group) and any(c.isalpha() for c in group)
            for group in family.code.split("-")
        )
        assert not is_weak(family.code)


@PARISHES
def test_the_seed_is_in_the_stores_format_with_dated_facts_both_sides(parish: Parish) -> None:
    data = json.loads(parish.seed.read_text(encoding="utf-8"))
    services = {service["name"]: service for service in data["services"]}
    assert set(services) == {"RENSEIGNEMENT", "CATECHESE", "CONTACT_HUMAIN"}
    assert services["CATECHESE"]["required_role"] == "parent"
    assert services["CONTACT_HUMAIN"]["processing_type"] == "human"
    reference = load_cases(parish.cases).reference_date
    facts = parish_of(prepare(parish.cases, today=reference).seed).facts
    least, most = parish.facts
    assert least <= len(facts) <= most
    assert_dated_facts_on_each_side(parish.cases)
    at = reference_moment(reference)
    expired = [f for f in facts if f.valid_to and f.valid_to <= at]
    future = [f for f in facts if f.valid_from and f.valid_from > at]
    dated_valid = [f for f in facts if f.dated and f.valid_at(at)]
    assert min(len(expired), len(future), len(dated_valid)) >= parish.min_dated


@PARISHES
def test_the_sets_first_markers_are_the_parishs_own_texts(parish: Parish) -> None:
    """The first handoff, decline and code-request markers are this seed's prompts."""
    cases = load_cases(parish.cases)
    prompts = fold(" ".join(parish_of(load_seed(parish.seed)).prompts))
    assert has(prompts, fold(cases.handoff_markers[0]))
    assert has(prompts, fold(cases.handoff_markers[1]))
    assert has(prompts, fold(cases.decline_markers[0]))
    assert has(prompts, fold(cases.code_request_markers[0]))


@pytest.mark.parametrize("later", [TUNING3, TUNING4], ids=lambda p: p.folder)
def test_past_their_own_first_lines_the_sets_have_the_same_built_in_markers(later: Parish) -> None:
    """The markers after a parish's own lines are the concierge's fixed texts."""
    ours, theirs = load_cases(later.cases), load_cases(TUNING2.cases)
    assert ours.handoff_markers[2:] == theirs.handoff_markers[2:]
    assert ours.decline_markers[1:] == theirs.decline_markers[1:]
    assert ours.code_request_markers[1:] == theirs.code_request_markers[1:]


@PARISHES
def test_every_class_of_the_issue_has_cases_and_the_set_is_large_enough(parish: Parish) -> None:
    assert_every_class_and_enough_cases(parish.cases, min_answerable=100)


@PARISHES
def test_the_targets_are_the_issues(parish: Parish) -> None:
    assert load_cases(parish.cases).thresholds == ISSUE_THRESHOLDS


@PARISHES
def test_no_question_of_the_earlier_sets_is_reused(parish: Parish) -> None:
    def sent(path: Path) -> set[str]:
        return {fold(text) for case in load_cases(path).cases for text in case.texts}

    ours = sent(parish.cases)
    for _, other_cases in sets_before(parish.folder):
        if parish is TUNING4 and other_cases == DEMO:
            # written as the sealed set, checked then against the held-back one only
            assert ours & sent(other_cases) == DEMO_QUESTIONS_IN_TUNING4
        else:
            assert ours & sent(other_cases) == set()
