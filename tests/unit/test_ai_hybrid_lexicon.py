"""The lexical signal the offline answerer adds: SMS writing, English and Portuguese words."""

from __future__ import annotations

import pytest

from ai.lexicon import SYNONYM, question_terms, relatedness
from concierge_common.french.text import stem


@pytest.mark.parametrize(
    ("question", "content"),
    [
        ("c koi les horaires dla messe", ["messe"]),
        ("What time is Sunday Mass?", ["sunday", "mas"]),  # stemmed like a French plural
        ("Qual é o horário da missa de domingo?", ["missa", "domingo"]),
        ("permanence de l'accueil cet aprem", ["permanence", "accueil"]),
    ],
)
def test_words_that_say_nothing_of_the_subject_are_dropped_in_every_language(
    question: str, content: list[str]
) -> None:
    assert question_terms(question)[0] == content


@pytest.mark.parametrize(
    ("query", "term"),
    [
        ("christening", "bapteme"),
        ("batizar", "bapteme"),
        ("wedding", "mariage"),
        ("mass", "messe"),
        ("missa", "messe"),
        ("sunday", "dimanche"),
        ("phone", "telephone"),
        ("bb", "bebe"),
        ("priest", "pretre"),
    ],
)
def test_english_portuguese_and_sms_words_find_the_french_ones(query: str, term: str) -> None:
    assert relatedness(stem(query), stem(term)) == SYNONYM


def test_baby_is_not_a_synonym_of_a_little_child() -> None:
    # "baby-sitter", "baby-foot": in French, "baby" is rarely about a baby.
    assert relatedness("baby", "petit") == 0.0
