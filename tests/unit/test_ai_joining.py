"""A question about joining late is answered by the fact saying when one may join
(ai.joining)."""

from __future__ import annotations

import pytest

from ai.answerer import FactAnswerer
from ai.facts import Fact
from ai.hybrid import Calibration, HybridRanker
from ai.joining import allows_late_join, asks_late_join
from support.fake_embedder import TopicEmbedder

K = "CATECHESE"
WHO = Fact(
    "pour-qui",
    K,
    "Le caté : pour qui ?",
    "Le caté accueille votre fille ou votre fils du CE1 au CM2, de 7 à 11 ans, au presbytère.",
)
ENROLMENT = Fact(
    "inscription",
    K,
    "Inscription",
    "On peut inscrire son enfant à tout moment de l'année, à l'accueil paroissial.",
)
OPEN_ALL_YEAR = Fact(
    "accueil", K, "Accueil", "L'accueil est ouvert toute l'année, le mardi de 9h à 11h."
)


@pytest.mark.parametrize(
    "question",
    [
        "On vient d'arriver, est-il trop tard pour inscrire notre fille au caté ?",
        "est-ce qu'elle peut encore rejoindre le caté cette année ou il faut attendre la rentrée ?",
        "Peut-on s'inscrire en cours d'année ?",
        "Is it too late to enrol my son?",
        "¿Todavía puedo inscribir a mi hija?",
    ],
)
def test_a_question_about_joining_after_the_start_asks_to_join_late(question: str) -> None:
    assert asks_late_join(question)


@pytest.mark.parametrize(
    "question",
    [
        "Comment inscrire mon fils au caté ?",
        "Le caté finit trop tard le mercredi, il y a un autre groupe ?",  # late, no joining
        "Quels documents pour l'inscription ?",
        "Les inscriptions au caté pour la rentrée d'août, c'est quand ?",  # next year's
    ],
)
def test_joining_or_lateness_alone_is_no_late_join(question: str) -> None:
    assert not asks_late_join(question)


def test_only_a_fact_saying_one_joins_during_the_year_allows_it() -> None:
    assert allows_late_join(ENROLMENT.title, ENROLMENT.content)
    assert allows_late_join("Groupes", "Un enfant peut rejoindre un groupe en cours d'année.")
    until = "Un enfant peut encore se joindre à un groupe jusqu'à la fin de janvier."
    assert allows_late_join("Catéchèse", until)  # a deadline in the year
    assert allows_late_join("Catechism", "Children may join until 31 January.")
    assert not allows_late_join("Bureau", "Vous pouvez nous joindre jusqu'à 17h.")  # reach us
    assert not allows_late_join(OPEN_ALL_YEAR.title, OPEN_ALL_YEAR.content)  # no joining
    assert not allows_late_join(WHO.title, WHO.content)


class Facts:
    async def facts(self, service: str) -> list[Fact]:
        return [WHO, ENROLMENT, OPEN_ALL_YEAR] if service == K else []


async def test_joining_late_is_answered_by_when_one_may_join_not_by_the_closest_fact() -> None:
    topics = {"catechism": ("cate", "catechisme"), "child": ("fille", "fils", "enfant")}
    answerer = FactAnswerer(Facts(), ranker=HybridRanker(TopicEmbedder(topics), Calibration()))
    late = "On vient d'arriver, est-il trop tard pour inscrire notre fille au caté ?"
    found = await answerer.find(K, late)
    assert found is not None
    assert found.sources == ("inscription",)
