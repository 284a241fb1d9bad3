"""The third tuning parish: a sixth seed and case set (a Québec parish of the Gaspésie,
codes of four groups of three), written without reading the concierge's code.

Only the set's shape is checked here (it loads, it matches its own parish, nothing of the
demo, held-back, first or second tuning parishes is in it, its targets are the issue's); no
test plays its cases through the pipeline.
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
TUNING3 = EVAL / "tuning3" / "cases.yaml"
TUNING3_SEED = EVAL / "tuning3" / "seed.json"
TUNING2 = EVAL / "tuning2" / "cases.yaml"
TUNING2_SEED = EVAL / "tuning2" / "seed.json"
TUNING = EVAL / "tuning" / "cases.yaml"
TUNING_SEED = EVAL / "tuning" / "seed.json"
HELD_BACK = EVAL / "held_back" / "cases.yaml"
HELD_BACK_SEED = EVAL / "held_back" / "seed.json"
DEMO = EVAL / "parish.yaml"
OTHERS = (
    (None, DEMO),
    (HELD_BACK_SEED, HELD_BACK),
    (TUNING_SEED, TUNING),
    (TUNING2_SEED, TUNING2),
)

# This parish's own code format: four groups of three capitals and digits, R7K-4PW-M2X-9TD.
FOUR_THREE_CODE = re.compile(r"[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}")
# The second tuning parish's format (two groups of six): not this one's.
SIX_SIX_CODE = re.compile(r"[A-Z0-9]{6}-[A-Z0-9]{6}")


def test_the_tuning3_cases_match_the_tuning3_seed_only() -> None:
    assert load_cases(TUNING3).name == "tuning3"
    assert_cases_match_their_seed_only(TUNING3, TUNING3_SEED)


def test_the_tuning3_parish_shares_no_fact_title_family_or_code_with_the_others() -> None:
    assert_shares_nothing_with(TUNING3_SEED, OTHERS)


def test_the_tuning3_seed_holds_no_marker_of_the_other_parishes() -> None:
    cases = load_cases(TUNING3)
    demo_words = {"Saint-Martin", "Vaise", "Lefèvre", "Nguyen", "SM"}
    held_back_words = {"Ornival", "Mirlemont", "Dethier", "Kabongo", "E4AT-EM5H-J5QQ"}
    tuning_words = {"Montbarrac", "Sainte-Quitterie", "Lascombes", "3BVT-Q2DF-7YYQ"}
    tuning2_words = {
        "Villardesse",
        "Pontrichard",
        "Chésalles",
        "Crêt-Berlioz",
        "Haut-Brévon",
        "026 915 42 38",
        "Overney",
        "Bugnon",
        "7HQM4K-P2WR9C",
    }
    everyone = demo_words | held_back_words | tuning_words | tuning2_words
    assert everyone <= set(cases.foreign_markers)
    raw = fold(TUNING3_SEED.read_text(encoding="utf-8"))
    assert [m for m in cases.foreign_markers if has(raw, fold(m))] == []


def test_the_tuning3_families_have_strong_codes_in_a_format_of_their_own() -> None:
    families = store_seed.load_file(TUNING3_SEED).families
    assert len(families) >= 3
    for family in families:
        assert FOUR_THREE_CODE.fullmatch(family.code), family.code
        assert not STRONG_CODE.fullmatch(family.code)  # not the generated format
        assert not SIX_SIX_CODE.fullmatch(family.code)  # not the second tuning parish's
        assert all(
            any(c.isdigit() for c in group) and any(c.isalpha() for c in group)
            for group in family.code.split("-")
        )
        assert not is_weak(family.code)


def test_the_tuning3_seed_is_in_the_stores_format_with_dated_facts_both_sides() -> None:
    data = json.loads(TUNING3_SEED.read_text(encoding="utf-8"))
    services = {service["name"]: service for service in data["services"]}
    assert set(services) == {"RENSEIGNEMENT", "CATECHESE", "CONTACT_HUMAIN"}
    assert services["CATECHESE"]["required_role"] == "parent"
    assert services["CONTACT_HUMAIN"]["processing_type"] == "human"
    reference = load_cases(TUNING3).reference_date
    facts = parish_of(prepare(TUNING3, today=reference).seed).facts
    assert 35 <= len(facts) <= 50
    assert_dated_facts_on_each_side(TUNING3)
    at = reference_moment(reference)
    expired = [f for f in facts if f.valid_to and f.valid_to <= at]
    future = [f for f in facts if f.valid_from and f.valid_from > at]
    dated_valid = [f for f in facts if f.dated and f.valid_at(at)]
    assert min(len(expired), len(future), len(dated_valid)) >= 4


def test_the_sets_markers_are_this_parishs_own_texts() -> None:
    """The first handoff, decline and code-request markers are this seed's prompts."""
    cases = load_cases(TUNING3)
    prompts = fold(" ".join(parish_of(load_seed(TUNING3_SEED)).prompts))
    assert has(prompts, fold(cases.handoff_markers[0]))
    assert has(prompts, fold(cases.handoff_markers[1]))
    assert has(prompts, fold(cases.decline_markers[0]))
    assert has(prompts, fold(cases.code_request_markers[0]))


def test_the_built_in_markers_are_the_second_tuning_sets() -> None:
    """Past this parish's own first lines, the markers are the concierge's fixed texts."""
    ours, theirs = load_cases(TUNING3), load_cases(TUNING2)
    assert ours.handoff_markers[2:] == theirs.handoff_markers[2:]
    assert ours.decline_markers[1:] == theirs.decline_markers[1:]
    assert ours.code_request_markers[1:] == theirs.code_request_markers[1:]


def test_every_class_of_the_issue_has_cases_and_the_set_is_large_enough() -> None:
    assert_every_class_and_enough_cases(TUNING3, min_answerable=100)


def test_the_tuning3_targets_are_the_issues() -> None:
    assert load_cases(TUNING3).thresholds == ISSUE_THRESHOLDS


def test_no_question_of_the_other_sets_is_reused() -> None:
    def sent(path: Path) -> set[str]:
        return {fold(text) for case in load_cases(path).cases for text in case.texts}

    ours = sent(TUNING3)
    for _, other_cases in OTHERS:
        assert ours & sent(other_cases) == set()
