"""The sealed parish (issue 15): a seed and case set unseen by whoever tunes the answerer.

Since 2026-12-05 it is a seventh parish (a quarter of Abidjan, codes of three groups of
five), written after every other; the first sealed parish became tests/eval/tuning4 once
some of its failing cases had been seen. These tests check only the set's shape (it loads,
it matches its own parish, nothing of the parishes written before it is in it, its targets
are the issue's, ``--set sealed`` picks it and ``all`` does not): no test plays its cases
through the pipeline or asserts its thresholds. A failure says how many things are wrong,
never which: the set stays sealed even to whoever reads a failing CI log (check it by hand
with ``check_consistency``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pytest

from concierge_devkit.cli import build_parser
from concierge_devkit.evaluation.cases import CaseFileError, load_cases
from concierge_devkit.evaluation.command import (
    DEFAULT_CASES,
    HELD_BACK_CASES,
    SEALED_CASES,
    options_from,
)
from concierge_devkit.evaluation.consistency import check_consistency
from concierge_devkit.evaluation.parish import load_seed, parish_of, reference_moment
from concierge_devkit.evaluation.session import prepare
from concierge_devkit.evaluation.text import fold, has
from store import seed as store_seed
from store.codes import is_weak
from support.eval_sets import (
    ISSUE_THRESHOLDS,
    STRONG_CODE,
    assert_dated_facts_on_each_side,
    assert_every_class_and_enough_cases,
    formats_before,
    sets_before,
    words_before,
)

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "tests" / "eval"
SEALED = EVAL / "sealed" / "cases.yaml"
SEALED_SEED = EVAL / "sealed" / "seed.json"
OWN_CODE = re.compile(r"[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}")  # three groups of five


def expect_none(found: Collection[object], what: str) -> None:
    """Fail with a count only: pytest's own report would quote the sealed texts."""
    if found:
        pytest.fail(f"{len(found)} {what}", pytrace=False)


def eval_options(*arguments: str) -> Any:
    return options_from(build_parser().parse_args(["eval", *arguments]))


def test_the_sealed_set_is_picked_by_name_and_not_run_with_all() -> None:
    assert ROOT / SEALED_CASES == SEALED
    assert eval_options("--set", "sealed").cases == (SEALED_CASES,)
    assert eval_options().cases == (DEFAULT_CASES, HELD_BACK_CASES)
    assert SEALED_CASES not in eval_options("--set", "all").cases


def test_the_sealed_cases_match_the_sealed_seed_only() -> None:
    cases = load_cases(SEALED)
    assert cases.name == "sealed"
    assert cases.seed == SEALED_SEED
    own = parish_of(load_seed(cases.seed))
    try:
        check_consistency(cases, own)
    except CaseFileError as error:  # its message quotes the cases: count its lines only
        problems = str(error).count("\n")
        raise AssertionError(f"{problems} problem(s) between the sealed cases and seed") from None
    titles = {fact.title for fact in own.facts}
    unknown = {case.fact for case in cases.cases if case.fact} - titles
    expect_none(unknown, "fact(s) not in the sealed seed")
    codes = {family.code for family in own.families}
    expect_none({spec.code for spec in cases.families.values()} ^ codes, "family code(s) differ")


def test_the_sealed_parish_shares_no_fact_title_family_or_code_with_the_others() -> None:
    sealed = parish_of(load_seed(SEALED_SEED))
    sealed_text = fold(" ".join(f.text for f in sealed.families))
    for other_seed, other_cases in sets_before("sealed"):
        other, name = parish_of(load_seed(other_seed)), load_cases(other_cases).name
        titles = {f.title for f in other.facts} & {f.title for f in sealed.facts}
        expect_none(titles, f"fact title(s) shared with {name}")
        codes = {f.code for f in other.families} & {f.code for f in sealed.families}
        expect_none(codes, f"code(s) shared with {name}")
        markers = [
            marker
            for spec in load_cases(other_cases).families.values()
            for marker in spec.markers
            if has(sealed_text, fold(marker))
        ]
        expect_none(markers, f"family marker(s) of {name} in the sealed families")


def test_the_sealed_seed_holds_no_marker_of_the_other_parishes() -> None:
    cases = load_cases(SEALED)
    expect_none(words_before("sealed") - set(cases.foreign_markers), "earlier marker(s) not listed")
    raw = fold(SEALED_SEED.read_text(encoding="utf-8"))
    found = [m for m in cases.foreign_markers if has(raw, fold(m))]
    expect_none(found, "word(s) of the other parishes in the sealed seed")


def test_the_sealed_families_have_strong_codes_in_a_format_of_their_own() -> None:
    families = store_seed.load_file(SEALED_SEED).families
    assert len(families) >= 3
    earlier = formats_before("sealed")
    wrong = [
        family
        for family in families
        if not OWN_CODE.fullmatch(family.code)
        or STRONG_CODE.fullmatch(family.code)
        or any(other.fullmatch(family.code) for other in earlier)
        or is_weak(family.code)
        or not all(
            any(c.isdigit() for c in group) and any(c.isalpha() for c in group)
            for group in family.code.split("-")
        )
    ]
    expect_none(wrong, "sealed family code(s) not strong in the set's own format")


def test_the_sealed_seed_is_in_the_stores_format_with_dated_facts_both_sides() -> None:
    data = json.loads(SEALED_SEED.read_text(encoding="utf-8"))
    services = {service["name"]: service for service in data["services"]}
    assert set(services) == {"RENSEIGNEMENT", "CATECHESE", "CONTACT_HUMAIN"}
    assert services["CATECHESE"]["required_role"] == "parent"
    assert services["CONTACT_HUMAIN"]["processing_type"] == "human"
    reference = load_cases(SEALED).reference_date
    facts = parish_of(prepare(SEALED, today=reference).seed).facts
    assert 35 <= len(facts) <= 50
    assert_dated_facts_on_each_side(SEALED)
    at = reference_moment(reference)
    expired = [f for f in facts if f.valid_to and f.valid_to <= at]
    future = [f for f in facts if f.valid_from and f.valid_from > at]
    dated_valid = [f for f in facts if f.dated and f.valid_at(at)]
    assert min(len(expired), len(future), len(dated_valid)) >= 4


def test_every_class_of_the_issue_has_cases_and_the_set_is_large_enough() -> None:
    assert_every_class_and_enough_cases(SEALED, min_answerable=100)


def test_the_sealed_targets_are_the_issues() -> None:
    assert load_cases(SEALED).thresholds == ISSUE_THRESHOLDS


def test_no_question_of_the_earlier_sets_is_reused_in_the_sealed_set() -> None:
    def sent(path: Path) -> set[str]:
        return {fold(text) for case in load_cases(path).cases for text in case.texts}

    ours = sent(SEALED)
    for _, other_cases in sets_before("sealed"):
        shared = ours & sent(other_cases)
        expect_none(shared, f"message(s) of {load_cases(other_cases).name} reused")
