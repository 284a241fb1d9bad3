"""A question about another place is out of scope, though a fact about our places resembles it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from ai.answerer import Answer, FactAnswerer
from ai.elsewhere import elsewhere, known_words
from ai.facts import Fact
from ai.topic import out_of_scope_reply
from ai.turns import TurnAnswerer
from support.ai_fakes import generate_turn

OPENING = Fact(
    "ouverture",
    "RENSEIGNEMENT",
    "Ouverture des églises",
    "Saint-Remacle d'Ornival reste ouverte chaque jour de 9 h à 17 h pour prier.",
)
MASSES = Fact(
    "messes",
    "RENSEIGNEMENT",
    "Messes du dimanche",
    "Dimanche à 10 h à Sainte-Gertrude de Hautecourt, à 11 h à Ornival.",
)
SICK = Fact(
    "malades",
    "RENSEIGNEMENT",
    "Visite des malades",
    "Le père Jean-Marc passe à la clinique des Tilleuls le premier vendredi du mois.",
)
FACTS = [OPENING, MASSES, SICK]
KNOWN = known_words(f"{f.title} {f.content}" for f in FACTS)
LABELS = ["Informations pratiques"]


@pytest.mark.parametrize(
    "question",
    [
        "À quelle heure ferme la pharmacie d'Ornival ?",  # our village, not our business
        "horaires de la mairie",
        "A que horas abre a farmácia?",
        "Quels sont les horaires des messes à la cathédrale de Namur ?",
        "What time is Mass at St Mary's church?",
        "la messe à l'église Saint-Paul de Vence",
        "Quels sont les horaires des messes à la cathédrale Saint-Jean ?",  # not "Jean-Marc"
        "Le dernier bus pour la gare part à quelle heure ?",  # "dernier" is not "denier"
    ],
)
def test_a_question_about_another_place_is_elsewhere(question: str) -> None:
    assert elsewhere(question, KNOWN)


@pytest.mark.parametrize(
    "question",
    [
        "Jusqu'à quelle heure l'église Saint-Remacle est-elle ouverte ?",
        "messe à l'église de Hautecourt dimanche ?",
        "quelle heure la messe a l eglise sainte gertrude",  # written without capitals
        "Je suis à l'hôpital, un prêtre peut-il venir ?",  # a parish word: our business
        "un prêtre vient-il à la clinique ?",  # a place our facts name
        "à quelle heure ferme la clinique des Tilleuls ?",  # and its name
        "Where is the church?",
        "l'église de mon village est-elle ouverte ?",  # no proper name
    ],
)
def test_a_question_about_our_places_is_not_elsewhere(question: str) -> None:
    assert not elsewhere(question, KNOWN)


class Facts:
    async def facts(self, service: str) -> list[Fact]:
        return FACTS if service == "RENSEIGNEMENT" else []


class Subjects:
    async def subjects(self) -> tuple[list[str], list[str]]:
        return [f.title for f in FACTS], LABELS


ANSWERER = TurnAnswerer(
    FactAnswerer(Facts()),
    zone=ZoneInfo("Europe/Brussels"),
    clock=lambda: datetime(2027, 2, 24, tzinfo=UTC),
    subjects=Subjects(),
)


async def test_the_pharmacy_of_our_village_gets_the_out_of_scope_reply_not_our_opening_hours() -> (
    None
):
    answer = await ANSWERER.answer(generate_turn("À quelle heure ferme la pharmacie d'Ornival ?"))
    assert answer == Answer(out_of_scope_reply(LABELS, "fr"), "out_of_scope")


async def test_a_question_about_our_own_church_is_still_answered_from_its_fact() -> None:
    answer = await ANSWERER.answer(generate_turn("Jusqu'à quelle heure l'église d'Ornival ouverte"))
    assert isinstance(answer, Answer)
    assert answer.sources == ("ouverture",)
