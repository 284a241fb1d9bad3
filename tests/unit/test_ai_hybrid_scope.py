"""What the offline answerer will not answer from its best fact: another period, a person."""

from __future__ import annotations

import pytest

from ai.answerer import FactAnswerer
from ai.facts import Fact
from ai.hybrid import Calibration, HybridRanker
from ai.scope import asks_for_person, periods
from support.fake_embedder import TopicEmbedder

R = "RENSEIGNEMENT"
TOPICS = {
    "mass": ("messe", "messes", "mass", "missa"),
    "sunday": ("dimanche", "sunday", "domingo"),
    "priest": ("cure", "pretre", "priest"),
    "confession": ("confession", "confesser"),
}
FACTS = (
    Fact("dimanche", R, "Messes du dimanche", "Dimanche : messe à 9h30 et à 11h."),
    Fact("cure", R, "Le curé", "Le père Antoine est le curé de la paroisse."),
    Fact(
        "confession",
        R,
        "Confession",
        "Le samedi de 10h à 12h, sauf pendant les vacances d'été.",
    ),
)


class ListedFacts:
    async def facts(self, service: str) -> list[Fact]:
        return [fact for fact in FACTS if fact.service == service]


async def _sources(question: str) -> tuple[str, ...]:
    ranker = HybridRanker(TopicEmbedder(TOPICS), Calibration())
    answer = await FactAnswerer(ListedFacts(), ranker=ranker).find(R, question)
    return answer.sources if answer else ()


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Quels étaient les horaires des messes cet été ?", {"ete"}),
        ("messe dimanche en juillet a kel heure", {"juillet"}),
        ("À quelle heure est la messe de minuit le 24 décembre ?", {"decembre"}),
        ("What time is Christmas Mass?", {"noel"}),
        ("Qual é o horário da missa de Natal?", {"noel"}),
        ("pendant les vacances de Noël", {"vacances", "noel"}),
        ("messe le 1er janvier", {"janvier"}),
        ("decembere", {"decembre"}),  # a typo of a long word
        ("Mon fils a été baptisé", set()),  # "été", the verb
        ("combien de temps avant la date ?", set()),  # "avant" is not "avent"
        ("May I come on Sunday?", set()),
        ("Quels sont les horaires de la Semaine sainte ?", {"semaine-sainte"}),
        ("l'office du vendredi saint", {"semaine-sainte"}),
        ("Holy Week services?", {"semaine-sainte"}),
        ("a que horas é a celebração de sexta-feira santa?", {"semaine-sainte"}),
        ("le triduum pascal", {"semaine-sainte", "paques"}),
        ("la fête de sainte Thérèse", set()),  # a saint, not Holy Week
    ],
)
def test_the_periods_a_text_names(text: str, named: set[str]) -> None:
    assert periods(text) == named


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("Je voudrais parler au curé", True),
        ("puis-je rencontrer un prêtre ?", True),
        ("Can I talk to a priest?", True),
        ("quero falar com alguém", True),
        ("Qui est le curé ?", False),
        ("De quoi parle le parcours Alpha ?", False),
        ("il me faut parler à un prêtre", True),  # a need said, not asked
        ("Pour parler à un prêtre en confession, c'est quand ?", False),  # when: a fact
        ("Faut-il un rendez-vous pour rencontrer le curé ou peut-on passer ?", False),
        ("When can I talk to a priest?", False),
    ],
)
def test_asking_to_talk_to_someone(text: str, asks: bool) -> None:
    assert asks_for_person(text) is asks


async def test_a_question_about_a_period_no_valid_fact_names_is_declined() -> None:
    assert await _sources("horaires de la messe du dimanche") == ("dimanche",)
    assert await _sources("horaires de la messe du dimanche cet été") == ()
    assert await _sources("Sunday mass at Christmas?") == ()


async def test_a_fact_naming_the_period_still_answers() -> None:
    assert await _sources("confession pendant les vacances d'été ?") == ("confession",)


async def test_asking_to_talk_to_the_priest_is_not_answered_with_facts_about_him() -> None:
    assert await _sources("Qui est le curé ?") == ("cure",)
    assert await _sources("Je voudrais parler au curé") == ()
