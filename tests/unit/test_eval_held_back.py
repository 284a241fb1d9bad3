"""The held-back parish (issue 15): its own seed and cases, nothing of the demo parish."""

from __future__ import annotations

import json
from pathlib import Path

from concierge_devkit.evaluation.cases import load_cases
from concierge_devkit.evaluation.parish import load_seed, parish_of
from concierge_devkit.evaluation.session import prepare
from concierge_devkit.evaluation.text import fold, has
from store import seed as store_seed
from support.eval_sets import (
    ISSUE_THRESHOLDS,
    assert_cases_match_their_seed_only,
    assert_dated_facts_on_each_side,
    assert_every_class_and_enough_cases,
    assert_strong_generated_codes,
)

EVAL = Path(__file__).resolve().parents[1] / "eval"
HELD_BACK = EVAL / "held_back" / "cases.yaml"
HELD_BACK_SEED = EVAL / "held_back" / "seed.json"
DEMO = EVAL / "parish.yaml"
# The classes issue 15 names, each with enough cases to mean something.


def test_the_held_back_cases_match_the_held_back_seed_only() -> None:
    assert_cases_match_their_seed_only(HELD_BACK, HELD_BACK_SEED)


def test_the_held_back_parish_shares_no_fact_title_family_or_code_with_the_demo() -> None:
    demo, held = parish_of(load_seed()), parish_of(load_seed(HELD_BACK_SEED))
    assert not {f.title for f in demo.facts} & {f.title for f in held.facts}
    assert not {f.code for f in demo.families} & {f.code for f in held.families}
    demo_markers = load_cases(DEMO).families.values()
    held_text = fold(" ".join(f.text for f in held.families))
    for spec in demo_markers:
        for marker in spec.markers:
            assert not has(held_text, fold(marker)), marker


def test_the_held_back_seed_holds_no_marker_of_the_demo_parish() -> None:
    cases = load_cases(HELD_BACK)
    assert {"Saint-Martin", "Vaise", "Lefèvre", "Nguyen", "SM"} <= set(cases.foreign_markers)
    raw = fold(HELD_BACK_SEED.read_text(encoding="utf-8"))
    assert [m for m in cases.foreign_markers if has(raw, fold(m))] == []


def test_the_held_back_families_have_strong_codes_in_the_generated_format() -> None:
    assert_strong_generated_codes(HELD_BACK_SEED, min_families=2)


def test_the_held_back_seed_is_in_the_stores_format_with_dated_facts_both_sides() -> None:
    data = json.loads(HELD_BACK_SEED.read_text(encoding="utf-8"))
    assert {service["name"] for service in data["services"]} == {
        "RENSEIGNEMENT",
        "CATECHESE",
        "CONTACT_HUMAIN",
    }
    assert_dated_facts_on_each_side(HELD_BACK)


def test_every_class_of_the_issue_has_cases_and_the_set_is_large_enough() -> None:
    assert_every_class_and_enough_cases(HELD_BACK, min_answerable=100)


def test_the_held_back_targets_are_the_issues() -> None:
    assert load_cases(HELD_BACK).thresholds == ISSUE_THRESHOLDS


def test_the_demo_set_still_runs_on_the_stores_demo_parish() -> None:
    demo = load_cases(DEMO)
    assert demo.seed is None
    assert demo.thresholds == {}
    assert prepare(DEMO, today=demo.reference_date).seed == store_seed.load()
