"""An absence said with a verb and its negation (concierge_common.french.absence)."""

from __future__ import annotations

import pytest

from concierge_common.french.absence import says_absence
from concierge_common.french.text import words


@pytest.mark.parametrize(
    "text",
    [
        "Il ira pas au caté cette semaine",
        "Ma fille ne pourra pas venir samedi",
        "Il sera pas là mardi",
        "Les jumeaux ne viendront plus jusqu'à Pâques",
        "Elle peut pas y aller, elle est malade",
        "He can't come on Saturday",
        "She won't be able to attend",
    ],
)
def test_someone_not_coming_is_an_absence(text: str) -> None:
    assert says_absence(words(text))


@pytest.mark.parametrize(
    "text",
    [
        "Le bureau sera pas ouvert lundi ?",  # being, but not there
        "On peut pas payer par carte ?",
        "Il ira au caté samedi",  # no negation
        "Ça ne sera pas trop tard pour l'inscrire ?",
    ],
)
def test_a_negation_that_keeps_nobody_away_is_no_absence(text: str) -> None:
    assert not says_absence(words(text))
