"""A question about a price is answered only by a fact that states one (ai.prices)."""

from __future__ import annotations

import pytest

from ai.answerer import FactAnswerer
from ai.facts import Fact
from ai.hybrid import Calibration, HybridRanker
from ai.prices import asks_price, prices_subject, states_price
from support.fake_embedder import TopicEmbedder

R = "RENSEIGNEMENT"
BAPTISM = Fact(
    "bapteme",
    R,
    "Baptême d'un enfant",
    "Le baptême d'un enfant se prépare en deux rencontres avec les parents.",
)
INTENTION = Fact(
    "intention",
    R,
    "Intention de messe",
    "Une intention de messe pour un défunt coûte CHF 15.–, à demander au secrétariat.",
)


@pytest.mark.parametrize(
    "question",
    [
        "Combien coûte un baptême ?",
        "c'est combien le caté ?",
        "c combien le kt par an ?",
        "Combien gagne le curé par mois ?",
        "Combien faut-il donner pour une intention de messe ?",
        "kt prix",
        "les funérailles coûtent quelque chose ?",
        "How much is the fee?",
        "¿Cuánto cuesta una boda?",
        "Pour les rencontres des 4-7 ans, on doit débourser quelque chose ?",
        "cmb pour se marier a st ambroise",
        "We'd like to rent the hall. What's the rate?",
    ],
)
def test_a_question_of_cost_asks_a_price(question: str) -> None:
    assert asks_price(question)


@pytest.mark.parametrize(
    "question",
    [
        "bapteme bb combien de temps avant",
        "Combien y a-t-il de places assises dans l'église ?",
        "Il y a combien de messes le dimanche ?",
        "¿Cuánto tiempo antes hay que pedirlo?",
        "J'ai du mal à payer le loyer, la paroisse aide-t-elle ?",  # paying is not a price asked
        "À quelle heure est la messe ?",
    ],
)
def test_a_question_of_time_number_or_anything_else_asks_no_price(question: str) -> None:
    assert not asks_price(question)


@pytest.mark.parametrize(
    "text",
    [
        "CHF 60.– par enfant et par année",
        "L'offrande conseillée est de 9 €.",
        "Comptez 15.– par intention.",
        "Les funérailles ne sont pas facturées.",
        "L'éveil à la foi est gratuit.",
        "Participation libre.",
    ],
)
def test_an_amount_or_nothing_to_pay_states_a_price(text: str) -> None:
    assert states_price(text)


@pytest.mark.parametrize(
    "text",
    [BAPTISM.content, "Métro D, bus 31 et 43, 69009 Lyon.", "Répétitions le jeudi à 20h15."],
)
def test_numbers_that_are_no_amount_state_no_price(text: str) -> None:
    assert not states_price(text)


ENROLMENT = Fact(
    "inscriptions",
    "CATECHESE",
    "Inscriptions",
    "Apportez la fiche et, si votre enfant est baptisé, une copie de son acte de baptême. "
    "La participation aux frais est de 45 € par enfant ; aucun enfant ne doit renoncer au "
    "caté pour une raison financière.",
)


def _prices(question: str, fact: Fact) -> bool:
    return prices_subject(question, fact.title, fact.service, fact.content)


def test_a_price_given_for_something_else_is_not_the_price_asked() -> None:
    assert not _prices("Combien coûte un baptême ?", ENROLMENT)  # baptism named, not priced


@pytest.mark.parametrize(
    "question",
    ["c'est combien le caté ?", "kt prix", "Combien coûte l'inscription ?", "c'est combien ?"],
)
def test_a_price_in_a_sentence_or_fact_naming_the_subject_is_the_price_asked(
    question: str,
) -> None:
    assert _prices(question, ENROLMENT)


def test_the_title_names_the_subject_of_a_price_its_sentence_does_not() -> None:
    assert _prices("Combien coûte une intention de messe ?", INTENTION)
    assert _prices("Combien coûte une intention ?", Fact("i", R, "Intention de messe", "CHF 15.–"))


class Facts:
    async def facts(self, service: str) -> list[Fact]:
        return [BAPTISM, INTENTION] if service == R else [ENROLMENT]


class Services:
    async def names(self) -> list[str]:
        return [R, "CATECHESE"]


async def test_facts_naming_no_price_do_not_answer_a_price_question() -> None:
    answerer = FactAnswerer(Facts())
    assert await answerer.find(R, "Comment se prépare le baptême d'un enfant ?") is not None
    assert await answerer.find(R, "Combien coûte le baptême d'un enfant ?") is None


async def test_a_fact_stating_the_price_answers_it() -> None:
    found = await FactAnswerer(Facts()).find(R, "Combien coûte une intention de messe ?")
    assert found is not None
    assert found.sources == ("intention",)


async def test_a_price_question_is_not_answered_with_the_price_of_something_else() -> None:
    answerer = FactAnswerer(Facts(), services=Services())
    assert await answerer.find(R, "Combien coûte le baptême d'un enfant ?") is None
    found = await answerer.find(R, "Combien coûte l'inscription au caté ?")
    assert found is not None
    assert found.sources == ("inscriptions",)


CODE = Fact(
    "code",
    "CATECHESE",
    "Code famille du caté",
    "Le code famille du caté donne le groupe du caté de votre enfant et son catéchiste.",
)


class Catechism:
    """The catechism's facts (the code's and the enrolment's unless told others)."""

    def __init__(self, *facts: Fact) -> None:
        self._facts = list(facts or (CODE, ENROLMENT))

    async def facts(self, service: str) -> list[Fact]:
        return self._facts if service == "CATECHESE" else []


async def test_a_price_question_is_answered_by_the_fact_giving_the_price_not_the_closest_one() -> (
    None
):
    ranker = HybridRanker(TopicEmbedder({"catechism": ("cate", "catechisme", "kt")}), Calibration())
    found = await FactAnswerer(Catechism(), ranker=ranker).find(
        "CATECHESE", "c'est combien le caté ?"
    )
    assert found is not None
    assert found.sources == ("inscriptions",)


async def test_the_fact_giving_the_asked_price_answers_though_it_shares_few_words() -> None:
    found = await FactAnswerer(Catechism()).find("CATECHESE", "c'est combien le caté ?")
    assert found is not None
    assert found.sources == ("inscriptions",)


EVEIL = Fact(
    "eveil",
    "CATECHESE",
    "Éveil à la foi (4 à 7 ans)",
    "Les enfants de 4 à 7 ans se retrouvent pendant la messe de 11h, dans la sacristie.",
)
COSTS = Fact(
    "inscription",
    "CATECHESE",
    "Inscription à la catéchèse",
    "L'inscription se fait à l'automne. Coût : 55 $ par enfant. L'éveil à la foi est gratuit.",
)


async def test_a_price_given_under_the_name_of_what_the_question_finds_answers_it() -> None:
    question = "Pour les rencontres des 4-7 ans pendant la messe, on doit débourser quelque chose ?"
    ranker = HybridRanker(TopicEmbedder({"mass": ("messe",), "ages": ("ans",)}), Calibration())
    found = await FactAnswerer(Catechism(EVEIL, COSTS), ranker=ranker).find("CATECHESE", question)
    assert found is not None
    assert found.sources == ("inscription",)  # "l'éveil à la foi est gratuit"
