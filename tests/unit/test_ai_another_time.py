"""A question about what only the facts of another time speak of (ai.another_time)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ai.another_time import asks_another_time
from ai.facts import Fact

R = "RENSEIGNEMENT"
MASSES = Fact(
    "messes",
    R,
    "Horaire des messes de fin de semaine",
    "Samedi 16h30 à Sainte-Gertrude, dimanche 11h à Saint-Ambroise.",
)
HALL = Fact("salle", R, "Location du sous-sol", "Le sous-sol se loue pour les réceptions.")
BAZAAR = Fact(
    "bazar",
    R,
    "Bazar d'automne de la fabrique",
    "Tirage, comptoir de pâtisseries et friperie au sous-sol, le 23 octobre.",
    valid_to=datetime(2027, 10, 25, tzinfo=UTC),
)
ASHES = Fact(
    "cendres",
    R,
    "Mercredi des Cendres 2028",
    "Imposition des cendres à 19h.",
    valid_from=datetime(2028, 2, 14, tzinfo=UTC),
)
VALID = [MASSES, HALL]
ELSEWHEN = [BAZAAR, ASHES]


@pytest.mark.parametrize(
    "question",
    [
        "Le bazar de la fabrique, c'est-tu encore en fin de semaine ?",
        "C'est quand le mercredi des Cendres ? À quelle heure ?",
    ],
)
def test_a_subject_only_another_times_facts_hold_is_not_the_answers(question: str) -> None:
    assert asks_another_time(question, MASSES.content, ELSEWHEN, VALID)


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("La messe de la fin de semaine, c'est à quelle heure ?", MASSES.content),
        ("Le sous-sol se loue pour une réception ?", HALL.content),  # "sous-sol": valid too
        ("Le tirage au sort de la chorale ?", "Le tirage de la chorale a lieu en juin."),
        # "pâtisseries" is only in the bazaar's text, not its title: an everyday word
        ("Des pâtisseries après la messe du dimanche ?", MASSES.content),
    ],
)
def test_a_subject_the_valid_facts_or_the_answer_hold_is_answered(
    question: str, answer: str
) -> None:
    assert not asks_another_time(question, answer, ELSEWHEN, VALID)


def test_without_facts_of_another_time_nothing_is_held_back() -> None:
    assert not asks_another_time("Le bazar, c'est quand ?", MASSES.content, [], VALID)


def test_a_synonym_in_a_valid_fact_is_no_other_times_subject() -> None:
    camp = Fact("camp", R, "Camp de neige des ados 2028", "Une semaine au chalet.")
    youth = Fact("aumonerie", R, "Aumônerie", "Les jeunes de 12 à 18 ans, le vendredi à 19h.")
    question = "Pour l'aumônerie des ados, les rencontres c'est quand ?"
    assert not asks_another_time(question, MASSES.content, [camp], [*VALID, youth])
    assert asks_another_time(question, MASSES.content, [camp], VALID)
