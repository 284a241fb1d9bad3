"""The case file against the parish: honest expectations, distinctive markers, the real set."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from concierge_devkit.evaluation.cases import CaseFileError, load_cases, parse_cases
from concierge_devkit.evaluation.consistency import check_consistency
from concierge_devkit.evaluation.parish import (
    Parish,
    ParishFact,
    ParishFamily,
    load_seed,
    parish_of,
    reference_moment,
)

PARIS = ZoneInfo("Europe/Paris")
PARISH_SET = Path(__file__).resolve().parents[1] / "eval" / "parish.yaml"
PARISH = Parish(
    facts=(
        ParishFact("RENSEIGNEMENT", "Messes du dimanche", "Dimanche à 9h30 et à 11h."),
        ParishFact(
            "RENSEIGNEMENT",
            "Messes de l'été",
            "Une seule messe le dimanche, à 10h30.",
            valid_from=datetime(2026, 7, 1, tzinfo=PARIS),
            valid_to=datetime(2026, 9, 1, tzinfo=PARIS),
        ),
    ),
    system_prompts=("Vous êtes l'assistant de la paroisse.",),
    prompts=("Bonjour et bienvenue à la paroisse !",),
    families=(ParishFamily("SM-4821", "Famille Lefèvre\nLéa\nGroupe Samuel"),),
)


def problems(*cases: dict[str, Any], **top: Any) -> str:
    raw = {
        "reference_date": "2026-11-25",
        "handoff_markers": ["Je transmets"],
        "decline_markers": ["Je n'ai pas"],
        "families": {"lefevre": {"code": "SM-4821", "markers": ["Léa"]}},
        "facts": {"Messes de l'été": ["une seule messe le dimanche"]},
        "cases": list(cases),
        **top,
    }
    with pytest.raises(CaseFileError) as caught:
        check_consistency(parse_cases(raw, "set.yaml"), PARISH)
    return str(caught.value)


def answer(**fields: Any) -> dict[str, Any]:
    return {
        "id": "a",
        "send": "Messes ?",
        "expect": "answer",
        "fact": "Messes du dimanche",
        "snippets": ["9h30"],
        **fields,
    }


def test_a_snippet_that_is_not_in_the_expected_fact_is_reported() -> None:
    found = problems(answer(snippets=["9h30", ["18h", "18 h"]]))
    assert "case 'a': snippet '18h' / '18 h' is not in fact 'Messes du dimanche'" in found


def test_an_expected_fact_must_exist_and_be_valid_on_the_reference_date() -> None:
    assert "case 'a': no fact titled 'Messes' in the parish" in problems(answer(fact="Messes"))
    expired = problems(answer(fact="Messes de l'été", snippets=["10h30"]))
    assert "case 'a': fact \"Messes de l'été\" is not valid on 2026-11-25" in expired


def test_a_family_case_must_send_its_code_and_find_its_snippets_in_the_record() -> None:
    found = problems(
        {
            "id": "p",
            "send": "groupe de Léa ?",
            "expect": "family",
            "family": "lefevre",
            "snippets": ["Timothée"],
        }
    )
    assert "case 'p': family 'lefevre' but its code SM-4821 is never sent" in found
    assert "case 'p': snippet 'Timothée' is not in the family's record" in found


def test_markers_must_be_distinctive() -> None:
    found = problems(
        answer(),
        families={"lefevre": {"code": "SM-4821", "markers": ["paroisse", "Hugo"]}},
        facts={"Messes de l'été": ["dimanche"], "Messes du dimanche": ["9h30"]},
    )
    assert "family 'lefevre': marker 'paroisse' also appears outside the family" in found
    assert "family 'lefevre': marker 'Hugo' is not in its record" in found
    assert "fact \"Messes de l'été\": marker 'dimanche' also appears in another fact" in found


def test_every_dated_fact_needs_markers() -> None:
    found = problems(answer(), facts={})
    assert 'fact "Messes de l\'été" has a validity window but no markers' in found


def test_a_consistent_set_passes() -> None:
    raw = {
        "reference_date": "2026-11-25",
        "handoff_markers": ["Je transmets"],
        "decline_markers": ["Je n'ai pas"],
        "families": {"lefevre": {"code": "SM-4821", "markers": ["Léa"]}},
        "facts": {"Messes de l'été": ["une seule messe le dimanche"]},
        "cases": [answer(), answer(id="b", send=["groupe ?", "sm 4821"], family="lefevre")],
    }
    check_consistency(parse_cases(raw, "set.yaml"), PARISH)


# ------------------------------------------------------------------ the parish set itself


def test_the_parish_set_matches_the_seeded_parish() -> None:
    check_consistency(load_cases(PARISH_SET), parish_of(load_seed()))


def test_the_parish_set_has_enough_cases_of_every_kind() -> None:
    cases = load_cases(PARISH_SET).cases
    tags = Counter(tag for case in cases for tag in case.tags)
    kinds = Counter(case.expect for case in cases)
    assert len(cases) >= 150
    for tag in ("typo", "sms", "english", "portuguese", "out-of-scope", "human", "injection"):
        assert tags[tag] >= 5, tag
    for tag in ("parent", "expired", "not-yet-valid", "leak", "burst", "multi-turn"):
        assert tags[tag] >= 3, tag
    assert kinds["handoff"] >= 10
    assert kinds["family"] >= 10


def test_every_valid_fact_of_the_two_ai_services_is_asked_several_ways() -> None:
    cases = load_cases(PARISH_SET)
    moment = reference_moment(cases.reference_date)
    asked = Counter(case.fact for case in cases.cases if case.fact)
    facts = [
        fact
        for fact in parish_of(load_seed()).facts
        if fact.service in ("RENSEIGNEMENT", "CATECHESE") and fact.valid_at(moment)
    ]
    assert facts
    assert [fact.title for fact in facts if asked[fact.title] < 2] == []
