"""The tuning parish: a fourth seed and case set, the one the offline answerer may be tuned on.

Only the set's shape is checked here (it loads, it matches its own parish, nothing of the
demo or held-back parishes is in it, its targets are the issue's); no test plays its cases
through the pipeline.
"""

from __future__ import annotations

import json
from pathlib import Path

from concierge_devkit.evaluation.cases import load_cases
from concierge_devkit.evaluation.parish import parish_of
from concierge_devkit.evaluation.session import prepare
from concierge_devkit.evaluation.text import fold, has
from support.eval_sets import (
    ISSUE_THRESHOLDS,
    assert_cases_match_their_seed_only,
    assert_dated_facts_on_each_side,
    assert_every_class_and_enough_cases,
    assert_shares_nothing_with,
    assert_strong_generated_codes,
)

EVAL = Path(__file__).resolve().parents[1] / "eval"
TUNING = EVAL / "tuning" / "cases.yaml"
TUNING_SEED = EVAL / "tuning" / "seed.json"
HELD_BACK = EVAL / "held_back" / "cases.yaml"
HELD_BACK_SEED = EVAL / "held_back" / "seed.json"
DEMO = EVAL / "parish.yaml"


def test_the_tuning_cases_match_the_tuning_seed_only() -> None:
    assert load_cases(TUNING).name == "tuning"
    assert_cases_match_their_seed_only(TUNING, TUNING_SEED)


def test_the_tuning_parish_shares_no_fact_title_family_or_code_with_the_other_two() -> None:
    assert_shares_nothing_with(TUNING_SEED, ((None, DEMO), (HELD_BACK_SEED, HELD_BACK)))


def test_the_tuning_seed_holds_no_marker_of_the_other_parishes() -> None:
    cases = load_cases(TUNING)
    demo_words = {"Saint-Martin", "Vaise", "Lefèvre", "Nguyen", "SM"}
    held_back_words = {"Ornival", "Mirlemont", "Dethier", "Kabongo", "E4AT-EM5H-J5QQ"}
    assert demo_words | held_back_words <= set(cases.foreign_markers)
    raw = fold(TUNING_SEED.read_text(encoding="utf-8"))
    assert [m for m in cases.foreign_markers if has(raw, fold(m))] == []


def test_the_tuning_families_have_strong_codes_in_the_generated_format() -> None:
    assert_strong_generated_codes(TUNING_SEED, min_families=4)


def test_the_tuning_seed_is_in_the_stores_format_with_dated_facts_both_sides() -> None:
    data = json.loads(TUNING_SEED.read_text(encoding="utf-8"))
    services = {service["name"]: service for service in data["services"]}
    assert set(services) == {"RENSEIGNEMENT", "CATECHESE", "CONTACT_HUMAIN"}
    assert services["CATECHESE"]["required_role"] == "parent"
    assert services["CONTACT_HUMAIN"]["processing_type"] == "human"
    reference = load_cases(TUNING).reference_date
    assert 40 <= len(parish_of(prepare(TUNING, today=reference).seed).facts) <= 55
    assert_dated_facts_on_each_side(TUNING)


def test_every_class_of_the_issue_has_cases_and_the_set_is_large_enough() -> None:
    assert_every_class_and_enough_cases(TUNING, min_answerable=110)


def test_the_tuning_targets_are_the_issues() -> None:
    assert load_cases(TUNING).thresholds == ISSUE_THRESHOLDS


def test_no_question_of_the_demo_or_held_back_sets_is_reused() -> None:
    def sent(path: Path) -> set[str]:
        return {fold(text) for case in load_cases(path).cases for text in case.texts}

    ours = sent(TUNING)
    assert ours & sent(DEMO) == set()
    assert ours & sent(HELD_BACK) == set()
