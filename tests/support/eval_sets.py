"""What the shape tests of the evaluation's own sets (held-back, sealed, tuning) check alike:
the issue's fourteen classes, its targets, a large enough set, dated facts on each side of
the set's reference date, a set matching its own seed and sharing nothing with the others."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from concierge_devkit.evaluation.cases import load_cases
from concierge_devkit.evaluation.consistency import check_consistency
from concierge_devkit.evaluation.parish import load_seed, parish_of, reference_moment
from concierge_devkit.evaluation.session import prepare
from concierge_devkit.evaluation.text import fold, has
from store import seed as store_seed
from store.codes import is_weak

# The format of `concierge codes generate`: three groups of four, no look-alike characters.
STRONG_CODE = re.compile(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}")

EVAL = Path(__file__).resolve().parents[1] / "eval"
DEMO = EVAL / "parish.yaml"


@dataclass(frozen=True)
class Parish:
    """A parish of the evaluation written after the demo's: its folder under tests/eval,
    the format of its codes and some words (places, people, codes) only it may hold."""

    folder: str
    code: re.Pattern[str]
    markers: frozenset[str]
    facts: tuple[int, int] = (35, 50)  # how many facts its seed holds, at least and at most
    min_dated: int = 4  # facts expired, not yet valid, and dated but valid, each at least

    @property
    def cases(self) -> Path:
        return EVAL / self.folder / "cases.yaml"

    @property
    def seed(self) -> Path:
        return EVAL / self.folder / "seed.json"


DEMO_WORDS = frozenset({"Saint-Martin", "Vaise", "Lefèvre", "Nguyen", "SM"})
HELD_BACK = Parish(
    "held_back",
    STRONG_CODE,
    frozenset({"Ornival", "Mirlemont", "Dethier", "Kabongo", "E4AT-EM5H-J5QQ"}),
)
TUNING = Parish(
    "tuning",
    STRONG_CODE,
    frozenset({"Montbarrac", "Sainte-Quitterie", "Lascombes", "3BVT-Q2DF-7YYQ"}),
)
TUNING2_WORDS = frozenset(
    {"Villardesse", "Pontrichard", "Chésalles", "Crêt-Berlioz", "Haut-Brévon",
     "026 915 42 38", "Overney", "Bugnon", "7HQM4K-P2WR9C"}
)  # fmt: skip
TUNING2 = Parish("tuning2", re.compile(r"[A-Z0-9]{6}-[A-Z0-9]{6}"), TUNING2_WORDS)  # 7HQM4K-P2WR9C
TUNING3 = Parish(
    "tuning3",
    re.compile(r"[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}"),  # R7K-4PW-M2X-9TD
    frozenset({"Anse-aux-Brumes", "Cap-Sauvignac", "Sainte-Brigitte-des-Caps"}),
)
# The first sealed parish, written after the held-back one; some of its failing cases were
# seen on 2026-12-05 and it became a tuning set.
TUNING4 = Parish(
    "tuning4",
    STRONG_CODE,
    frozenset({"Montsalaz", "Port-Verney", "Corsalaz", "V24T-ZWM9-P6H8"}),
    facts=(25, 35),
    min_dated=2,
)
# The parishes each one was written after (the demo's comes before all of them); the
# sealed one came after every other.
EARLIER: dict[str, tuple[Parish, ...]] = {
    "tuning2": (HELD_BACK, TUNING),
    "tuning3": (HELD_BACK, TUNING, TUNING2),
    "tuning4": (HELD_BACK,),
    "sealed": (HELD_BACK, TUNING, TUNING2, TUNING3, TUNING4),
}


def sets_before(folder: str) -> list[tuple[Path | None, Path]]:
    """The (seed, cases) of the demo and of the parishes written before the one in
    ``folder``; a seed of None is the demo's."""
    return [(None, DEMO), *((p.seed, p.cases) for p in EARLIER[folder])]


def words_before(folder: str) -> frozenset[str]:
    """The words that mark the demo and the parishes written before the one in ``folder``."""
    return DEMO_WORDS.union(*(p.markers for p in EARLIER[folder]))


def formats_before(folder: str) -> list[re.Pattern[str]]:
    """The code formats of their own (not the generated one) of the earlier parishes."""
    return [p.code for p in EARLIER[folder] if p.code is not STRONG_CODE]


ISSUE_CLASSES = frozenset(
    {"factual", "trigger-word", "catechism-general", "family-record", "family-no-code",
     "short-misspelt", "life-event", "church-location", "step-escape", "out-of-scope",
     "human", "language", "invalid-date", "injection"}
)  # fmt: skip
ISSUE_THRESHOLDS = {
    "min_right_facts": 0.92,
    "min_handoffs": 1.0,
    "max_answerable_handoffs": 0.03,
    "max_expired": 0,
    "max_leaks": 0,
    "max_prompt_leaks": 0,
}


def assert_dated_facts_on_each_side(cases_file: Path) -> None:
    """Facts expired, not yet valid, and dated but valid at the set's reference date."""
    cases = load_cases(cases_file)
    parish = parish_of(prepare(cases_file, today=cases.reference_date).seed)
    at = reference_moment(cases.reference_date)
    dated = [fact for fact in parish.facts if fact.dated]
    assert any(fact.valid_to and fact.valid_to <= at for fact in dated)  # expired
    assert any(fact.valid_from and fact.valid_from > at for fact in dated)  # not yet valid
    assert any(fact.valid_at(at) for fact in dated)  # dated and valid


def assert_every_class_and_enough_cases(cases_file: Path, *, min_answerable: int) -> None:
    cases = load_cases(cases_file)
    assert set(cases.classes) == ISSUE_CLASSES
    counts = Counter(case.case_class for case in cases.cases)
    assert set(counts) == ISSUE_CLASSES
    assert min(counts.values()) >= 6
    assert 120 <= len(cases.cases) <= 200
    assert sum(case.answerable for case in cases.cases) >= min_answerable
    languages = Counter(case.language for case in cases.cases if case.language)
    assert {"en", "pt", "es"} <= set(languages)


def assert_strong_generated_codes(seed_file: Path, *, min_families: int) -> None:
    """The seed's families have codes in the generated format, letters and digits in
    every group, none of them weak."""
    families = store_seed.load_file(seed_file).families
    assert len(families) >= min_families
    for family in families:
        assert STRONG_CODE.fullmatch(family.code), family.code
        assert all(
            any(c.isdigit() for c in group) and any(c.isalpha() for c in group)
            for group in family.code.split("-")
        )
        assert not is_weak(family.code)


def assert_cases_match_their_seed_only(cases_file: Path, seed_file: Path) -> None:
    """The set runs on its own seed, is consistent with it, names only its facts, and
    verifies exactly its families' codes."""
    cases = load_cases(cases_file)
    assert cases.seed == seed_file
    own = parish_of(load_seed(cases.seed))
    check_consistency(cases, own)  # raises naming every problem
    titles = {fact.title for fact in own.facts}
    assert {case.fact for case in cases.cases if case.fact} <= titles
    codes = {family.code for family in own.families}
    assert {spec.code for spec in cases.families.values()} == codes


def assert_shares_nothing_with(seed_file: Path, others: Iterable[tuple[Path | None, Path]]) -> None:
    """No fact title, code or family marker of the ``others`` (seed, cases; a seed of None
    is the demo's) is in the parish of ``seed_file``."""
    ours = parish_of(load_seed(seed_file))
    our_families = fold(" ".join(f.text for f in ours.families))
    for other_seed, other_cases in others:
        other = parish_of(load_seed(other_seed))
        assert not {f.title for f in other.facts} & {f.title for f in ours.facts}
        assert not {f.code for f in other.families} & {f.code for f in ours.families}
        for spec in load_cases(other_cases).families.values():
            for marker in spec.markers:
                assert not has(our_families, fold(marker)), marker
