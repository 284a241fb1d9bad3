"""The second tuning parish: a fifth seed and case set (a Swiss parish of the canton of
Fribourg, codes of two groups of six), written without reading the concierge's code.

Only the set's shape is checked here (it loads, it matches its own parish, nothing of the
demo, held-back or first tuning parishes is in it, its targets are the issue's); no test
plays its cases through the pipeline.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from concierge_devkit.evaluation.cases import load_cases
from concierge_devkit.evaluation.parish import load_seed, parish_of, reference_moment
from concierge_devkit.evaluation.session import prepare
from concierge_devkit.evaluation.text import fold, has
from store import seed as store_seed
from store.codes import is_weak
from support.eval_sets import (
    ISSUE_THRESHOLDS,
    STRONG_CODE,
    assert_cases_match_their_seed_only,
    assert_dated_facts_on_each_side,
    assert_every_class_and_enough_cases,
    assert_shares_nothing_with,
)

EVAL = Path(__file__).resolve().parents[1] / "eval"
TUNING2 = EVAL / "tuning2" / "cases.yaml"
TUNING2_SEED = EVAL / "tuning2" / "seed.json"
TUNING = EVAL / "tuning" / "cases.yaml"
TUNING_SEED = EVAL / "tuning" / "seed.json"
HELD_BACK = EVAL / "held_back" / "cases.yaml"
HELD_BACK_SEED = EVAL / "held_back" / "seed.json"
DEMO = EVAL / "parish.yaml"
OTHERS = ((None, DEMO), (HELD_BACK_SEED, HELD_BACK), (TUNING_SEED, TUNING))

# This parish's own code format: two groups of six capitals and digits, e.g. 7HQM4K-P2WR9C.
SIX_SIX_CODE = re.compile(r"[A-Z0-9]{6}-[A-Z0-9]{6}")


def test_the_tuning2_cases_match_the_tuning2_seed_only() -> None:
    assert load_cases(TUNING2).name == "tuning2"
    assert_cases_match_their_seed_only(TUNING2, TUNING2_SEED)


def test_the_tuning2_parish_shares_no_fact_title_family_or_code_with_the_others() -> None:
    assert_shares_nothing_with(TUNING2_SEED, OTHERS)


def test_the_tuning2_seed_holds_no_marker_of_the_other_parishes() -> None:
    cases = load_cases(TUNING2)
    demo_words = {"Saint-Martin", "Vaise", "Lefèvre", "Nguyen", "SM"}
    held_back_words = {"Ornival", "Mirlemont", "Dethier", "Kabongo", "E4AT-EM5H-J5QQ"}
    tuning_words = {"Montbarrac", "Sainte-Quitterie", "Lascombes", "3BVT-Q2DF-7YYQ"}
    assert demo_words | held_back_words | tuning_words <= set(cases.foreign_markers)
    raw = fold(TUNING2_SEED.read_text(encoding="utf-8"))
    assert [m for m in cases.foreign_markers if has(raw, fold(m))] == []


def test_the_tuning2_families_have_strong_codes_in_a_format_of_their_own() -> None:
    families = store_seed.load_file(TUNING2_SEED).families
    assert len(families) >= 3
    for family in families:
        assert SIX_SIX_CODE.fullmatch(family.code), family.code
        assert not STRONG_CODE.fullmatch(family.code)  # not the generated format
        assert all(
            any(c.isdigit() for c in group) and any(c.isalpha() for c in group)
            for group in family.code.split("-")
        )
        assert not is_weak(family.code)


def test_the_tuning2_seed_is_in_the_stores_format_with_dated_facts_both_sides() -> None:
    data = json.loads(TUNING2_SEED.read_text(encoding="utf-8"))
    services = {service["name"]: service for service in data["services"]}
    assert set(services) == {"RENSEIGNEMENT", "CATECHESE", "CONTACT_HUMAIN"}
    assert services["CATECHESE"]["required_role"] == "parent"
    assert services["CONTACT_HUMAIN"]["processing_type"] == "human"
    reference = load_cases(TUNING2).reference_date
    facts = parish_of(prepare(TUNING2, today=reference).seed).facts
    assert 35 <= len(facts) <= 50
    assert_dated_facts_on_each_side(TUNING2)
    at = reference_moment(reference)
    expired = [f for f in facts if f.valid_to and f.valid_to <= at]
    future = [f for f in facts if f.valid_from and f.valid_from > at]
    dated_valid = [f for f in facts if f.dated and f.valid_at(at)]
    assert min(len(expired), len(future), len(dated_valid)) >= 4


def test_the_sets_markers_are_this_parishs_own_texts() -> None:
    """The first handoff, decline and code-request markers are this seed's prompts."""
    cases = load_cases(TUNING2)
    prompts = fold(" ".join(parish_of(load_seed(TUNING2_SEED)).prompts))
    assert has(prompts, fold(cases.handoff_markers[0]))
    assert has(prompts, fold(cases.handoff_markers[1]))
    assert has(prompts, fold(cases.decline_markers[0]))
    assert has(prompts, fold(cases.code_request_markers[0]))


def test_every_class_of_the_issue_has_cases_and_the_set_is_large_enough() -> None:
    assert_every_class_and_enough_cases(TUNING2, min_answerable=100)


def test_the_tuning2_targets_are_the_issues() -> None:
    assert load_cases(TUNING2).thresholds == ISSUE_THRESHOLDS


def test_no_question_of_the_other_sets_is_reused() -> None:
    def sent(path: Path) -> set[str]:
        return {fold(text) for case in load_cases(path).cases for text in case.texts}

    ours = sent(TUNING2)
    for _, other_cases in OTHERS:
        assert ours & sent(other_cases) == set()
