from __future__ import annotations

import pytest

from ai.answerer import WELCOME, KeywordAnswerer
from ai.facts import DEMO_FACTS
from concierge_common.text import fold, stem, terms

ANSWERER = KeywordAnswerer(DEMO_FACTS)


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        ("Quels sont les horaires des messes ?", "F1"),
        ("MESSE DIMANCHE", "F1"),
        ("l'accueil est ouvert quand ?", "F2"),
        ("Je voudrais faire baptiser mon bébé", "F3"),
        ("on veut se marier à l'église", "F4"),
        ("inscription catéchisme", "F5"),
        ("je voudrais me confesser", "F6"),
    ],
)
def test_questions_get_the_matching_fact(question: str, fact_id: str) -> None:
    answer = ANSWERER.answer(question)
    assert answer is not None
    assert answer.fact_id == fact_id


def test_greeting_gets_the_welcome() -> None:
    answer = ANSWERER.answer("Bonjour !")
    assert answer is not None
    assert answer.text == WELCOME


def test_unrelated_question_is_declined() -> None:
    assert ANSWERER.answer("Quel temps fera-t-il demain à Lyon ?") is None


def test_folding_removes_case_and_accents_and_plurals() -> None:
    assert fold("Église ÉTÉ") == "eglise ete"
    assert stem("messes") == "messe"
    assert stem("journaux") == "journal"
    assert terms("Les Baptêmes") == {"bapteme"}
