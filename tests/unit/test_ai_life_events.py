"""Life events: a death gets condolences, the funeral fact and a person; a birth or a wedding,
congratulations."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from ai.answerer import FactAnswerer, HandOff
from ai.facts import Fact
from ai.life_events import A_PERSON, CONDOLENCES, CONGRATULATIONS, is_bereavement, is_joyful
from ai.turns import SENSITIVE, TurnAnswerer
from concierge_common.contracts.messages import GenerateReply
from support.ai_fakes import generate_turn

FUNERALS = Fact(
    "obseques",
    "RENSEIGNEMENT",
    "Obsèques",
    "Pour des obsèques, la famille contacte d'abord les pompes funèbres, qui appellent la "
    "paroisse. Une personne de l'équipe funérailles rencontre ensuite la famille.",
)


OTHERS = (
    Fact("messes", "RENSEIGNEMENT", "Messes du dimanche", "Messe le dimanche à 10h30 à l'église."),
    Fact("bapteme", "RENSEIGNEMENT", "Baptême", "Le baptême se prépare trois mois à l'avance."),
    Fact("mariage", "RENSEIGNEMENT", "Mariage", "Le mariage se prépare un an à l'avance."),
)


class Facts:
    def __init__(self, *facts: Fact) -> None:
        self._facts = facts

    async def facts(self, service: str) -> list[Fact]:
        return [fact for fact in self._facts if fact.service == service]


def _turn(text: str) -> GenerateReply:
    return generate_turn(text)


def _answerer(*facts: Fact) -> TurnAnswerer:
    now = datetime(2026, 12, 4, 10, tzinfo=UTC)
    return TurnAnswerer(
        FactAnswerer(Facts(*facts)), zone=ZoneInfo("Europe/Paris"), clock=lambda: now
    )


@pytest.mark.parametrize(
    "text",
    [
        "mon père est décédé cette nuit, on fait comment ?",
        "ma mère est morte hier",
        "comment organiser des obsèques",
        "My father died this morning",
        "o meu pai faleceu",
        "Mon père nous a quittés cette nuit",
        "Ma mère s'est éteinte hier soir",
        "My father passed away last night",
    ],
)
def test_a_death_or_a_funeral_is_recognised(text: str) -> None:
    assert is_bereavement(text)


@pytest.mark.parametrize(
    "text",
    [
        "la mort et la résurrection du Christ",
        "mon chat a disparu",
        "messe dimanche",
        "la lumière de l'église est éteinte",
        "je quitte la chorale",
    ],
)
def test_other_messages_are_not_taken_for_a_death(text: str) -> None:
    assert not is_bereavement(text)


async def test_a_bereavement_gets_condolences_the_fact_and_the_offer_of_a_person() -> None:
    answer = await _answerer(FUNERALS, *OTHERS).answer(
        _turn("mon père est décédé, comment organiser les obsèques ?")
    )
    assert not isinstance(answer, HandOff)
    assert answer is not None
    first, fact, offer = answer.text.split("\n\n")
    assert (first, offer) == (CONDOLENCES["fr"], A_PERSON["fr"])
    assert fact == FUNERALS.content
    assert answer.sources == ("obseques",)


async def test_a_bereavement_no_fact_answers_goes_to_a_person_gently() -> None:
    answer = await _answerer(*OTHERS).answer(
        _turn("mon père est décédé cette nuit, on fait comment ?")
    )
    assert isinstance(answer, HandOff)
    assert answer.reason == SENSITIVE


@pytest.mark.parametrize(
    "text",
    [
        "Nous venons d'avoir un bébé et nous aimerions le faire baptiser",
        "Notre fille est née la semaine dernière ! Quels jours se font les baptêmes ?",
        "Nous allons nous marier l'an prochain, par quoi commencer ?",
        "on veu se marié cet été c possible",
    ],
)
def test_a_birth_or_a_coming_wedding_is_good_news(text: str) -> None:
    assert is_joyful(text)


@pytest.mark.parametrize(
    "text", ["Peut-on se marier pendant le Carême ?", "baptême adulte combien de temps"]
)
def test_a_plain_question_about_a_sacrament_is_not_news(text: str) -> None:
    assert not is_joyful(text)


async def test_good_news_opens_the_answer_with_congratulations() -> None:
    baptism = Fact(
        "bapteme", "RENSEIGNEMENT", "Baptême", "Le baptême d'un bébé se prépare deux mois avant."
    )
    answer = await _answerer(baptism, *OTHERS[:1]).answer(_turn("Notre bébé est né, le baptême ?"))
    assert not isinstance(answer, HandOff)
    assert answer is not None
    assert answer.text == f"{CONGRATULATIONS['fr']}\n{baptism.content}"


async def test_a_birth_announced_without_a_question_gets_the_baptism_fact() -> None:
    baptism = Fact(
        "bapteme",
        "RENSEIGNEMENT",
        "Baptême des petits enfants",
        "Le baptême d'un bébé se prépare deux mois avant la date souhaitée.",
    )
    answer = await _answerer(baptism, *OTHERS[:1]).answer(
        _turn("Notre petite Jeanne est née cette nuit !")
    )
    assert not isinstance(answer, HandOff)
    assert answer is not None
    assert answer.text == f"{CONGRATULATIONS['fr']}\n{baptism.content}"


async def test_a_coming_wedding_announced_without_a_question_gets_the_wedding_fact() -> None:
    wedding = Fact(
        "mariage", "RENSEIGNEMENT", "Se marier à l'église", "Prenez contact un an avant."
    )
    answer = await _answerer(wedding, *OTHERS[:1]).answer(
        _turn("Avec Paul, nous sommes fiancés et nous allons nous marier !")
    )
    assert answer is not None
    assert not isinstance(answer, HandOff)
    assert wedding.content in answer.text
