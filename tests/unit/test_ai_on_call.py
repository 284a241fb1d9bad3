"""A priest needed now or at night is answered with the on-call number, whichever
service's fact gives it (ai.on_call)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from ai.answerer import Answer, FactAnswerer
from ai.facts import Fact
from ai.life_events import is_urgent
from ai.on_call import asks_on_call, gives_on_call
from ai.turns import TurnAnswerer
from support.ai_fakes import generate_turn

VISITS = Fact(
    "visites",
    "RENSEIGNEMENT",
    "Visites aux malades",
    "Une équipe rend visite aux malades à domicile ; un prêtre peut venir donner le "
    "sacrement des malades, demandez-le au secrétariat.",
)
ON_CALL = Fact(
    "piquet",
    "CONTACT_HUMAIN",
    "Prêtre de piquet",
    "Pour une personne en fin de vie, la nuit ou le week-end : prêtre de piquet au "
    "079 614 27 50. Pour le reste, le secrétariat.",
)
UNDERTAKERS = Fact(
    "obseques",
    "RENSEIGNEMENT",
    "Obsèques",
    "Les pompes funèbres (05 59 41 60 18, joignables jour et nuit) contactent la paroisse.",
)


class Facts:
    async def facts(self, service: str) -> list[Fact]:
        return [f for f in (VISITS, ON_CALL, UNDERTAKERS) if f.service == service]


class Services:
    async def names(self) -> list[str]:
        return ["RENSEIGNEMENT", "CONTACT_HUMAIN"]


def _answerer() -> TurnAnswerer:
    now = datetime(2027, 5, 19, 22, tzinfo=UTC)
    facts = FactAnswerer(Facts(), services=Services())
    return TurnAnswerer(facts, zone=ZoneInfo("Europe/Zurich"), clock=lambda: now)


@pytest.mark.parametrize(
    "question",
    [
        "Mon mari est en fin de vie, il demande un prêtre. La cure ne répond pas. Qui appeler ?",
        "En cas d'urgence la nuit, quel numéro faut-il faire pour avoir un prêtre ?",
        "My mother is dying, is there a priest we can call?",
        "Mon père est mourant, il faut un prêtre tout de suite",
        "Mon oncle est au plus mal à l'hôpital, la famille voudrait un prêtre avant qu'il"
        " parte. On fait comment ?",
        "Ma mère est en soins palliatifs, comment joindre un prêtre ?",
    ],
)
def test_a_priest_or_number_wanted_now_at_night_or_for_the_dying_asks_the_on_call(
    question: str,
) -> None:
    assert asks_on_call(question)


@pytest.mark.parametrize(
    "question",
    [
        "Ma mère est hospitalisée, un prêtre peut venir la voir ?",  # can wait for office hours
        "Quel est le numéro du secrétariat ?",
        "À quelle heure est la messe de la nuit de Noël ?",  # nobody to reach
        "Le curé part avant la fin du mois, qui appeler pour le baptême ?",  # nobody dying
    ],
)
def test_a_visit_that_can_wait_or_a_night_without_anyone_to_reach_is_not_on_call(
    question: str,
) -> None:
    assert not asks_on_call(question)


def test_only_a_sentence_with_a_number_being_on_call_and_a_priest_gives_the_on_call() -> None:
    assert gives_on_call(ON_CALL.content)
    assert gives_on_call("En cas d'urgence, appelez l'abbé Nsimba au 0471/62.84.13.")
    assert not gives_on_call(UNDERTAKERS.content)  # on call, but no priest
    assert not gives_on_call(VISITS.content)  # no number
    assert not gives_on_call("Messe de la nuit à 22h30, avec le prêtre. Accueil : 01 23 45 67 89.")


async def test_the_on_call_number_answers_from_another_service_before_the_visits() -> None:
    text = "Mon mari est en fin de vie, il demande un prêtre. La cure ne répond pas. Qui appeler ?"
    answer = await _answerer().answer(generate_turn(text))
    assert isinstance(answer, Answer)
    assert answer.sources == ("piquet",)


async def test_in_case_of_an_emergency_is_asked_ahead_not_urgent_and_not_handed_off() -> None:
    text = (
        "En cas d'urgence la nuit, quel numéro faut-il faire pour avoir un prêtre ? "
        "Je préfère le noter, ma mère est très malade."
    )
    assert not is_urgent(text)
    answer = await _answerer().answer(generate_turn(text))
    assert isinstance(answer, Answer)  # not a HandOff
    assert answer.sources == ("piquet",)
