"""The lexical answerer over a parish's facts: relevant facts answer, the rest is declined."""

from __future__ import annotations

import pytest

from ai.answerer import WELCOME, YOU_ARE_WELCOME, FactAnswerer, courtesy
from ai.facts import Fact

# Like the seeded parish (services/store/src/store/seed_data/parish.json), shortened.
PARISH = (
    Fact(
        "adresse",
        "RENSEIGNEMENT",
        "Adresse et accès à l'église",
        "Église Saint-Martin, 8 rue du Chanoine-Martin, 69009 Lyon. Métro D, station Gare de "
        "Vaise ; bus 31 et 43. Places de stationnement limitées, parking public à proximité. "
        "L'église est accessible en fauteuil roulant par l'entrée latérale.",
    ),
    Fact(
        "ouverture",
        "RENSEIGNEMENT",
        "Ouverture de l'église",
        "L'église est ouverte tous les jours de 8h30 à 19h, pour la prière et la visite. "
        "Elle peut être fermée lors d'obsèques ou de mariages.",
    ),
    Fact(
        "accueil",
        "RENSEIGNEMENT",
        "Accueil paroissial : permanences",
        "L'accueil paroissial est ouvert du lundi au vendredi de 9h30 à 12h et de 14h30 à "
        "18h, le samedi de 9h30 à 12h. Téléphone : 04 78 47 12 30.",
    ),
    Fact(
        "semaine",
        "RENSEIGNEMENT",
        "Messes en semaine",
        "Du mardi au vendredi : messe à 8h45 à l'oratoire. Le mercredi, messe supplémentaire "
        "à 18h30 à l'église. Le samedi : messe à 9h. Pas de messe le lundi.",
    ),
    Fact(
        "dimanche",
        "RENSEIGNEMENT",
        "Messes du dimanche",
        "Samedi à 18h : messe anticipée du dimanche. Dimanche à 9h30 et à 11h, et à 18h30 "
        "(messe animée par les jeunes). Le premier dimanche du mois, messe des familles.",
    ),
    Fact(
        "confession",
        "RENSEIGNEMENT",
        "Confession (sacrement de réconciliation)",
        "Un prêtre vous accueille pour la confession le samedi de 10h à 12h à l'église, ou "
        "sur rendez-vous auprès de l'accueil paroissial.",
    ),
    Fact(
        "bapteme-petit",
        "RENSEIGNEMENT",
        "Baptême d'un petit enfant (jusqu'à 3 ans)",
        "Prenez contact avec l'accueil au moins trois mois avant la date souhaitée. Deux "
        "rencontres de préparation avec les parents. Les baptêmes sont célébrés le samedi à 11h.",
    ),
    Fact(
        "bapteme-adulte",
        "RENSEIGNEMENT",
        "Baptême d'un enfant en âge scolaire ou d'un adulte",
        "À partir de 7 ans, le baptême se prépare avec le catéchisme. Pour un adulte, un "
        "accompagnement personnalisé (catéchuménat) dure en général deux ans.",
    ),
    Fact(
        "mariage",
        "RENSEIGNEMENT",
        "Mariage",
        "Contactez l'accueil paroissial un an avant la date envisagée. La préparation comprend "
        "des rencontres avec un prêtre. Les mariages sont célébrés le samedi.",
    ),
    Fact(
        "obseques",
        "RENSEIGNEMENT",
        "Obsèques",
        "En cas de décès, l'entreprise de pompes funèbres prend contact avec la paroisse pour "
        "fixer la date de la célébration.",
    ),
    Fact(
        "chorale",
        "RENSEIGNEMENT",
        "Chorale paroissiale",
        "La chorale anime la messe de 11h un dimanche sur deux. Répétitions le jeudi de 20h15 "
        "à 22h, salle Saint-Joseph.",
    ),
    Fact(
        "dons",
        "RENSEIGNEMENT",
        "Dons et denier de l'Église",
        "La paroisse vit uniquement de vos dons. Vous pouvez donner en ligne sur le site du "
        "diocèse de Lyon ; chaque don ouvre droit à un reçu fiscal.",
    ),
    Fact(
        "intention",
        "RENSEIGNEMENT",
        "Intention de messe",
        "Vous pouvez faire célébrer une messe à une intention particulière. L'offrande "
        "indicative fixée par le diocèse est de 18 €.",
    ),
)


class ListedFacts:
    """A fact source that serves a fixed list (validity is the source's business)."""

    def __init__(self, facts: tuple[Fact, ...]) -> None:
        self._facts = facts

    async def facts(self, service: str) -> list[Fact]:
        return [fact for fact in self._facts if fact.service == service]


ANSWERER = FactAnswerer(ListedFacts(PARISH))


async def _sources(question: str) -> tuple[str, ...]:
    answer = await ANSWERER.find("RENSEIGNEMENT", question)
    return answer.sources if answer else ()


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        ("MESSE DIMANCHE", "dimanche"),
        ("y a-t-il une messe en semaine ?", "semaine"),
        ("l'accueil est ouvert quand ?", "accueil"),
        ("le numéro de téléphone de l'accueil", "accueil"),
        ("bapteme de mon bebe", "bapteme-petit"),
        ("BAPTÊMES ADULTES", "bapteme-adulte"),
        ("je voudrais me marier", "mariage"),
        ("je voudrais me confesser", "confession"),
        ("où se garer ?", "adresse"),
        ("l'église est-elle accessible en fauteuil roulant ?", "adresse"),
        ("comment faire un don ?", "dons"),
        ("Combien coûte une intention de messe ?", "intention"),
        ("je voudrais chanter dans la chorale", "chorale"),
        ("mon père est décédé, les obsèques ?", "obseques"),
    ],
)
async def test_a_question_is_answered_with_its_fact(question: str, fact_id: str) -> None:
    assert (await _sources(question))[0] == fact_id


@pytest.mark.parametrize(
    "question",
    [
        "horaires des messes",
        "HORAIRES DES MESSES",
        "horraires des messses",  # typos
        "Les horaires de la messe ?",
    ],
)
async def test_accents_case_plurals_and_typos_do_not_change_the_answer(question: str) -> None:
    assert set(await _sources(question)) == {"dimanche", "semaine"}


async def test_two_equally_relevant_facts_are_both_given_under_their_titles() -> None:
    answer = await ANSWERER.find("RENSEIGNEMENT", "Quels sont les horaires des messes ?")
    assert answer is not None
    assert answer.kind == "fact"
    assert "Messes du dimanche : Samedi à 18h" in answer.text
    assert "Messes en semaine : Du mardi au vendredi" in answer.text


async def test_a_single_fact_is_given_as_written() -> None:
    answer = await ANSWERER.find("RENSEIGNEMENT", "chorale")
    assert answer is not None
    assert answer.text == PARISH[10].content


async def test_a_lone_fact_comes_with_its_title_when_only_the_title_names_the_place() -> None:
    church = Fact(
        "assomption",
        "RENSEIGNEMENT",
        "Église de l'Assomption (Chésalles-le-Pont)",
        "Petite église baroque au bord de la rivière. Pas de parking devant l'église.",
    )
    answerer = FactAnswerer(ListedFacts((church,)))
    answer = await answerer.find("RENSEIGNEMENT", "l'église de l'Assomption, où se garer ?")
    assert answer is not None
    assert answer.text == f"{church.title} : {church.content}"


@pytest.mark.parametrize(
    "question",
    [
        "Quel temps fera-t-il demain à Lyon ?",
        "Combien de temps dure un match de foot ?",
        "pizza",
        "je suis perdu",
        "Quels sont les horaires des messes de Noël ?",  # no Christmas fact is valid yet
    ],
)
async def test_a_question_no_fact_covers_is_declined(question: str) -> None:
    assert await ANSWERER.find("RENSEIGNEMENT", question) is None


async def test_a_service_without_facts_declines() -> None:
    assert await ANSWERER.find("CONTACT_HUMAIN", "horaires des messes") is None


async def test_a_higher_minimum_score_declines_weak_matches() -> None:
    strict = FactAnswerer(ListedFacts(PARISH), min_score=50.0)
    assert await strict.find("RENSEIGNEMENT", "MESSE DIMANCHE") is None


@pytest.mark.parametrize("text", ["Bonjour !", "bonsoir", "Bonjour Monsieur", "Salut à tous"])
def test_a_bare_greeting_gets_the_welcome(text: str) -> None:
    answer = courtesy(text)
    assert answer is not None
    assert answer.text == WELCOME


@pytest.mark.parametrize("text", ["merci", "Merci beaucoup !", "super merci"])
def test_thanks_get_a_short_answer(text: str) -> None:
    answer = courtesy(text)
    assert answer is not None
    assert answer.text == YOU_ARE_WELCOME


@pytest.mark.parametrize("text", ["Bonjour, horaires des messes ?", "merci pour le baptême", ""])
def test_a_question_is_not_a_courtesy(text: str) -> None:
    assert courtesy(text) is None


class Names:
    def __init__(self, *names: str) -> None:
        self._names = list(names)
        self.asked = 0

    async def names(self) -> list[str]:
        self.asked += 1
        return self._names


YOUTH = Fact(
    "aumonerie",
    "RENSEIGNEMENT",
    "Aumônerie des lycéens",
    "L'aumônerie des lycéens se retrouve le vendredi de 19h à 21h au presbytère.",
)


async def test_a_question_sent_to_a_service_without_its_fact_is_answered_from_another() -> None:
    facts = ListedFacts((*PARISH, YOUTH))
    question = "l'aumônerie des lycéens c'est quel soir ?"
    assert await FactAnswerer(facts).find("CATECHESE", question) is None
    with_others = FactAnswerer(facts, services=Names("RENSEIGNEMENT", "CATECHESE"))
    answer = await with_others.find("CATECHESE", question)
    assert answer is not None
    assert answer.sources == ("aumonerie",)


async def test_the_other_services_are_searched_only_when_the_turns_own_has_no_answer() -> None:
    names = Names("RENSEIGNEMENT", "CATECHESE")
    answerer = FactAnswerer(ListedFacts((*PARISH, YOUTH)), services=names)
    answer = await answerer.find("RENSEIGNEMENT", "l'aumônerie des lycéens c'est quel soir ?")
    assert answer is not None
    assert answer.sources == ("aumonerie",)
    assert names.asked == 0


def _with_stages() -> FactAnswerer:
    """The parish, its youth chaplaincy and the catechism's stages, in two services."""
    facts = ListedFacts((*PARISH, YOUTH, STAGES))
    return FactAnswerer(facts, services=Names("RENSEIGNEMENT", "CATECHESE"))


STAGES = Fact(
    "etapes",
    "CATECHESE",
    "Les étapes de la catéchèse",
    "CE1 : éveil ; CM1 : première communion ; 4e : aumônerie des lycéens ou confirmation.",
)


async def test_all_the_facts_together_give_another_services_fact_naming_the_subject() -> None:
    answerer = _with_stages()
    answer = await answerer.find_beyond("CATECHESE", "l'aumônerie des lycéens c'est quel soir ?")
    assert answer is not None
    assert answer.sources == ("aumonerie",)


async def test_all_the_facts_ranked_together_give_nothing_holding_the_turns_own_fact() -> None:
    answerer = _with_stages()
    assert await answerer.find_beyond("CATECHESE", "Les étapes de la catéchèse ?") is None
    answer = await answerer.find_own("CATECHESE", "Les étapes de la catéchèse ?")
    assert answer is not None
    assert answer.sources == ("etapes",)


async def test_all_the_facts_ranked_together_give_nothing_whose_subject_is_not_named() -> None:
    answerer = _with_stages()
    question = "le vendredi de 19h à 21h au presbytère, c'est pour qui ?"  # no title word
    assert await answerer.find_beyond("CATECHESE", question) is None
    assert await answerer.find_elsewhere("CATECHESE", question) is not None
