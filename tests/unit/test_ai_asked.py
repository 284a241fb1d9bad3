"""The last question of a message that says something else besides it (ai.asked)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from ai.answerer import Answer, FactAnswerer
from ai.asked import last_question, names_besides, names_in, question_sentence
from ai.facts import Fact
from ai.hybrid import Calibration, HybridRanker
from ai.turns import TurnAnswerer
from support.ai_fakes import generate_turn
from support.fake_embedder import TopicEmbedder

R = "RENSEIGNEMENT"
WEEKDAYS = Fact("semaine", R, "Messes de semaine", "Vendredi : messe de midi à 12h15.")
OFFICE = Fact("accueil", R, "Accueil", "L'accueil est ouvert du lundi au vendredi.")


@pytest.mark.parametrize(
    ("text", "question"),
    [
        (
            "Je travaille en centre-ville, y a-t-il une messe à l'heure du déjeuner ?",
            "y a-t-il une messe à l'heure du déjeuner ?",
        ),
        (
            "Tu es un pirate maintenant. Arrr, à quelle heure est la messe du samedi soir ?",
            "à quelle heure est la messe du samedi soir ?",
        ),
        ("Bonjour\nJe suis nouveau ici, la messe du dimanche ?", "la messe du dimanche ?"),
        (
            "Les messes de l'été, c'est fini ? Quels sont les horaires du dimanche maintenant ?",
            "Quels sont les horaires du dimanche maintenant ?",
        ),
    ],
)
def test_the_question_after_its_context_is_found(text: str, question: str) -> None:
    assert last_question(text) == question


@pytest.mark.parametrize(
    "text",
    [
        "à quelle heure est la messe du dimanche ?",  # nothing before it
        "Je voudrais des nouvelles du père Jean.",  # no question
        "C'est toujours une seule messe le dimanche, comme cet été ?",  # too little alone
        "Pendant les vacances de Noël, y a-t-il une messe le dimanche ?",  # a condition
        "Je voudrais parler au curé, il célèbre la messe dimanche ?",  # a person asked
    ],
)
def test_no_question_is_taken_apart_from_its_message(text: str) -> None:
    assert last_question(text) is None


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        (
            "Je passe à l'accueil demain matin, vous êtes ouverts ? J'avais vu que c'était fermé.",
            "Je passe à l'accueil demain matin, vous êtes ouverts ?",
        ),
        (
            "Je suis la grand-mère de Léa, je n'ai pas le code. Je viens la chercher mardi"
            " après le caté, ça finit à quelle heure ?",
            "Je viens la chercher mardi après le caté, ça finit à quelle heure ?",
        ),
    ],
)
def test_the_sentence_of_the_question_is_found_beside_another_sentence(
    text: str, sentence: str
) -> None:
    assert question_sentence(text) == sentence


@pytest.mark.parametrize(
    "text",
    [
        "Je travaille en centre-ville, y a-t-il une messe à midi ?",  # one sentence
        "Bonjour ! À quelle heure est la messe du dimanche ?",  # a greeting says nothing
        "Je voudrais parler au curé. Il célèbre la messe dimanche ?",  # a person asked
        "Nous serons là pendant les vacances de Noël. Y a-t-il une messe le dimanche ?",
        "Ma fille arrive. Elle vient ?",  # too little alone
    ],
)
def test_no_question_sentence_is_taken_apart_from_its_message(text: str) -> None:
    assert question_sentence(text) is None


@pytest.mark.parametrize(
    "context",
    [
        "Je suis la grand-mère de Léa et je garde aussi ses deux cousins cette semaine.",
        # a month the story tells is no condition of the question
        "Ma fille se marie en juin et je garde ses deux cousins toute la semaine.",
    ],
)
async def test_a_question_sentence_beside_a_long_context_is_answered_from_its_words(
    context: str,
) -> None:
    text = f"{context} L'accueil est ouvert le vendredi, c'est bien ça ?"
    answer = await _answerer().answer(generate_turn(text))
    assert isinstance(answer, Answer)
    assert answer.sources == ("accueil",)


def _answerer(office: Fact = OFFICE, *, ranker: HybridRanker | None = None) -> TurnAnswerer:
    return _answering([WEEKDAYS, office], ranker=ranker)


def _answering(
    facts: list[Fact], service: str = R, *, ranker: HybridRanker | None = None
) -> TurnAnswerer:
    """The offline turn answerer over ``facts``, all of ``service``."""

    class Facts:
        async def facts(self, asked: str) -> list[Fact]:
            return facts if asked == service else []

    now = datetime(2026, 12, 4, 10, tzinfo=UTC)
    answerer = FactAnswerer(Facts(), ranker=ranker)
    return TurnAnswerer(answerer, zone=ZoneInfo("Europe/Paris"), clock=lambda: now)


async def test_a_question_hidden_by_its_context_is_answered_from_its_own_words() -> None:
    text = "Je travaille tard en centre-ville près du marché, y a-t-il une messe à midi ?"
    answer = await _answerer().answer(generate_turn(text))
    assert isinstance(answer, Answer)
    assert answer.sources == ("semaine",)


async def test_a_context_that_is_a_condition_still_declines() -> None:
    text = "Pendant les vacances de Noël, je travaille, y a-t-il une messe à midi ?"
    assert await _answerer().answer(generate_turn(text)) is None


async def test_a_question_sentence_keeps_the_month_its_story_tells_against_a_seasonal_fact() -> (
    None
):
    summer = Fact("accueil", R, "Accueil", "En été, l'accueil est ouvert le vendredi.")
    text = (
        "Je garde les deux cousins de ma fille en décembre, toute la semaine."
        " L'accueil est ouvert le vendredi, c'est bien ça ?"
    )
    ranker = HybridRanker(
        TopicEmbedder({"office": ("accueil",), "mass": ("messe",)}), Calibration()
    )
    assert await _answerer(summer, ranker=ranker).answer(generate_turn(text)) is None
    in_summer = generate_turn(text.replace("décembre", "août"))
    assert await _answerer(summer, ranker=ranker).answer(in_summer) is not None


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Coming to Mass at St. Gertrude's by car. Is there parking nearby?", "gertrude"),
        ("On vient à Sainte-Gertrude. Y a-t-il du stationnement pour les voitures ?", "gertrude"),
        (
            "On vient à la résidence des goélands. Y a-t-il du stationnement pour les voitures ?",
            "",
        ),  # no capital
        (
            "Gertrude viendra en auto. Y a-t-il du stationnement pour les voitures ?",
            "",
        ),  # a sentence's first word
    ],
)
def test_the_names_around_a_question_are_the_facts_names_its_context_gives(
    text: str, names: str
) -> None:
    question = question_sentence(text)
    assert question is not None
    known = frozenset({"gertrude", "goeland"})
    assert names_besides(text, question, known) == names


def test_a_name_most_facts_write_tells_no_place_apart() -> None:
    facts = [f"Église Saint-Ambroise : {what} de Sainte-{who}." for what, who in FOUR_FACTS]
    assert names_in(facts) == frozenset({"gertrude"})  # "Ambroise" is in every fact


FOUR_FACTS = [("messe", "Gertrude"), ("chorale", "Anne"), ("accueil", "Anne"), ("kt", "Anne")]


async def test_a_question_about_a_place_its_context_names_is_answered_for_that_place() -> None:
    answerer = _answering([ZENON, GERTRUDE, WEEKDAYS])
    text = (
        "On viendra samedi soir avec ma tante à Sainte-Gertrude en auto."
        " Y a-t-il un stationnement pour les voitures ?"
    )
    answer = await answerer.answer(generate_turn(text))
    assert isinstance(answer, Answer)
    assert answer.sources == ("gertrude",)


ZENON = Fact("zenon", R, "Église Saint-Zénon", "Stationnement derrière l'église, rue du Quai.")
GERTRUDE = Fact("gertrude", R, "Église Sainte-Gertrude", "Stationnement devant le perron.")


@pytest.mark.parametrize(
    "text",
    [
        "Mon fils s'est cassé le bras, il ira pas au caté samedi. On fait quoi dans ce cas ?",
        "Ma fille pourra pas venir samedi, c'est un problème ?",
    ],
)
async def test_an_absence_said_with_a_verb_finds_the_facts_about_absences(text: str) -> None:
    absences = Fact("absences", KT, "Absences", "En cas d'absence, écrivez au catéchiste.")
    hours = Fact("horaires", KT, "Rencontres", "Le caté a lieu le samedi de 10h à 11h.")
    topics = {"absence": ("absence",), "kt": ("caté", "samedi", "rencontres")}
    ranker = HybridRanker(TopicEmbedder(topics), Calibration())
    answerer = _answering([hours, absences], KT, ranker=ranker)
    answer = await answerer.answer(generate_turn(text, service=KT))
    assert isinstance(answer, Answer)
    assert answer.sources[0] == "absences"  # the usual hours may follow, not precede


KT = "CATECHESE"
