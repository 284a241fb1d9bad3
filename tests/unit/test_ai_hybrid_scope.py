"""What the offline answerer will not answer from its best fact: another period, a person."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ai.answerer import FactAnswerer
from ai.facts import Fact
from ai.hybrid import Calibration, HybridRanker
from ai.scope import asks_for_person, beyond_periods, covers, fits, periods, question_periods
from support.fake_embedder import TopicEmbedder

R = "RENSEIGNEMENT"
TOPICS = {
    "mass": ("messe", "messes", "mass", "missa"),
    "sunday": ("dimanche", "sunday", "domingo"),
    "priest": ("cure", "pretre", "priest"),
    "confession": ("confession", "confesser"),
    "office": ("accueil",),
    "catechism": ("cate",),
    "holidays": ("vacances",),
    "christmas": ("noel",),
    "chapel": ("chapelle",),
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


CALENDAR = Fact(
    "calendrier",
    R,
    "Calendrier du caté",
    "Pas de caté pendant les vacances scolaires : Toussaint du 17 octobre au 2 novembre, "
    "Noël du 19 décembre au 4 janvier. Messe des familles le 4e dimanche du mois.",
)
OFFICE = Fact("accueil", R, "Accueil", "L'accueil est ouvert du lundi au vendredi de 9h à 12h.")


class ListedFacts:
    def __init__(self, facts: tuple[Fact, ...] = FACTS) -> None:
        self._facts = facts

    async def facts(self, service: str) -> list[Fact]:
        return [fact for fact in self._facts if fact.service == service]


async def _sources(question: str, facts: tuple[Fact, ...] = FACTS) -> tuple[str, ...]:
    ranker = HybridRanker(TopicEmbedder(TOPICS), Calibration())
    answer = await FactAnswerer(ListedFacts(facts), ranker=ranker).find(R, question)
    return answer.sources if answer else ()


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Quels étaient les horaires des messes cet été ?", {"ete"}),
        ("messe dimanche en juillet a kel heure", {"juillet"}),
        ("À quelle heure est la messe de minuit le 24 décembre ?", {"decembre", "noel"}),
        ("What time is Christmas Mass?", {"noel"}),
        ("À quelle heure est la messe de minuit ?", {"noel"}),
        ("midnight mass?", {"noel"}),
        ("le secrétariat est ouvert jusqu'à minuit ?", set()),
        ("Qual é o horário da missa de Natal?", {"noel"}),
        ("pendant les vacances de Noël", {"vacances", "vacances-noel"}),
        ("Christmas holidays", {"vacances", "vacances-noel"}),
        ("pas pendant les congés scolaires", {"vacances"}),  # Belgian French
        (
            "Pas de caté pendant les vacances scolaires : Toussaint du 17 octobre au "
            "2 novembre, Noël du 19 décembre au 4 janvier. Messe de Noël à 18h.",
            {"vacances", "vacances-toussaint", "vacances-noel", "octobre", "novembre"}
            | {"decembre", "janvier", "noel"},
        ),
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
        (
            "De mai à octobre, messe le premier samedi",
            {"mai", "juin", "juillet", "aout"} | {"septembre", "octobre"},
        ),  # a range names the months between
        ("de novembre à février", {"novembre", "decembre", "janvier", "fevrier"}),
        ("C'est quand la Fête-Dieu ?", {"fete-dieu"}),
        ("le diacre Pascal Yerly rencontre la famille", set()),  # a person, not Easter
        ("À quelle heure était la veillée pascale ?", {"paques"}),
        ("Elle ne sort plus de chez elle depuis l'hiver.", set()),  # since: no condition
        ("Since Christmas she is ill", set()),
        ("Depuis sa chute en octobre, mon père est confiné à la maison.", set()),
        ("fermé pendant l'hiver", {"hiver"}),
        ("Messes de la fin de semaine, toute l'année : samedi 16h30", {"toute-annee"}),
        ("Sunday Mass all year round", {"toute-annee"}),
        ("Le parrain doit demander congé à sa job", set()),  # a day off
        ("Elle m'a parlé de la fête de Noël, mais elle a oublié la date", {"noel"}),  # but
        ("Le bureau est fermé pendant les congés", {"vacances"}),
        # what the message tells of the past, beside its question, is no condition
        ("Nous avons emménagé en avril. Ma fille peut-elle encore rejoindre le caté ?", set()),
        ("Vous êtes ouverts demain ? J'avais vu que c'était fermé pendant les vacances.", set()),
        ("Nous avons emménagé en avril.", {"avril"}),  # no question: nothing to set aside
        ("reprise après Noël", {"noel"}),  # a fact's text names what it counts from
    ],
)
def test_the_periods_a_text_names(text: str, named: set[str]) -> None:
    assert periods(text) == named


@pytest.mark.parametrize(
    ("named", "asked", "covered"),
    [
        ({"noel"}, {"noel"}, True),
        ({"vacances", "vacances-noel"}, {"noel"}, False),  # the holidays, not the feast
        ({"vacances", "noel"}, {"vacances", "vacances-noel"}, True),  # both, apart
        ({"vacances", "vacances-toussaint"}, {"vacances", "vacances-noel"}, False),
        (set(), set(), True),
        ({"hiver"}, {"fevrier"}, True),  # "fermée en hiver" speaks of February
        ({"hiver"}, {"juillet"}, False),
        ({"decembre", "janvier", "fevrier", "mars"}, {"hiver"}, True),  # "de décembre à mars"
        ({"juin", "juillet"}, {"hiver"}, False),
        ({"juin", "septembre"}, {"ete"}, False),  # a calendar ending in June: not the summer
        ({"toute-annee"}, {"janvier"}, True),  # "toute l'année": every month and season
        ({"toute-annee"}, {"ete"}, True),
        ({"toute-annee"}, {"noel"}, False),  # not a feast: it has Masses of its own
    ],
)
def test_which_named_periods_cover_the_asked_ones(
    named: set[str], asked: set[str], covered: bool
) -> None:
    assert covers(frozenset(named), frozenset(asked)) is covered


@pytest.mark.parametrize(
    ("text", "asked", "told"),
    [
        ("horaires des messes en juillet ?", {"juillet"}, set()),
        ("messe dimanche en juillet a kel heure", {"juillet"}, set()),  # no "?": all asked
        (
            "Mes parents fêtent leurs noces d'or en juin. Quel est le tarif de la salle ?",
            set(),
            {"juin"},
        ),
        ("Qui est le curé ? Je veux lui envoyer une carte de Noël.", set(), {"noel"}),
        ("Nous venons en juillet. Y a-t-il une messe en août ?", {"aout"}, {"juillet"}),
        ("Pendant les vacances de Noël, y a-t-il caté ?", {"vacances", "vacances-noel"}, set()),
        ("Noël approche ! Messe de Noël à quelle heure ?", {"noel"}, set()),  # asked wins
        (
            "Nous serons là pendant les vacances de Noël. Y a-t-il une messe le dimanche ?",
            {"vacances", "vacances-noel"},
            set(),
        ),  # "pendant": a condition
        # what a question counts from or up to is not asked about
        ("Est-ce que la messe du jeudi midi reprend après l'été ?", set(), set()),
        ("Y a-t-il une fête pour les enfants du caté avant Noël ?", set(), set()),
        ("reprise du caté après les vacances de Noël", set(), set()),
        ("Messe après Pâques et à Noël ?", {"noel"}, set()),
    ],
)
def test_the_periods_a_message_asks_about_and_the_ones_it_only_tells(
    text: str, asked: set[str], told: set[str]
) -> None:
    assert question_periods(text) == (frozenset(asked), frozenset(told))


@pytest.mark.parametrize(
    ("named", "told", "fit"),
    [
        (set(), {"juin"}, True),  # a fact naming no period holds whenever it is valid
        ({"hiver"}, {"juillet"}, False),  # the winter timetable for a July visit
        ({"toute-annee"}, {"juillet"}, True),
        ({"noel"}, {"noel"}, True),
        (set(), set(), True),
    ],
)
def test_which_facts_fit_the_periods_a_message_tells(
    named: set[str], told: set[str], fit: bool
) -> None:
    assert fits(frozenset(named), frozenset(told)) is fit


def test_what_a_question_asks_besides_its_periods() -> None:
    asked = beyond_periods("L'accueil sera-t-il ouvert pendant les vacances de la Toussaint ?")
    assert asked.split() == ["l", "accueil", "sera", "t", "il", "ouvert", "les", "de", "la"]
    assert beyond_periods("horaires de la Semaine sainte ?").split() == ["horaires", "de", "la"]


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


async def test_a_period_the_message_only_tells_of_does_not_stop_a_timeless_answer() -> None:
    question = "Qui est le curé de la paroisse ? Je veux lui envoyer une carte de Noël."
    assert await _sources(question) == ("cure",)


async def test_a_period_the_message_tells_of_stops_a_fact_bound_to_another_period() -> None:
    question = "Nous venons en famille pour Noël. Confession le samedi ?"
    assert await _sources("Confession le samedi ?") == ("confession",)
    assert await _sources(question) == ()  # the confession fact speaks of the summer only


async def test_a_lasting_fact_saying_its_season_answers_for_another_month() -> None:
    chapel = Fact("chapelle", R, "Chapelle", "La chapelle est ouverte seulement l'été.")
    question = "La chapelle est-elle ouverte en décembre ?"
    assert await _sources(question, (chapel,)) == ("chapelle",)  # no: in summer only
    until = datetime(2027, 9, 7, tzinfo=UTC)
    summer = Fact("ete", R, "Chapelle en été", "Cet été, la chapelle est ouverte.", None, until)
    assert await _sources(question, (summer,)) == ()  # this summer's notice says nothing of it
    assert await _sources("La chapelle est-elle ouverte à Noël ?", (chapel,)) == ()  # a feast


async def test_a_fact_naming_the_period_still_answers() -> None:
    assert await _sources("confession pendant les vacances d'été ?") == ("confession",)


async def test_a_fact_naming_only_a_feasts_holidays_does_not_answer_about_the_feast() -> None:
    facts = (CALENDAR, OFFICE)
    assert await _sources("Y a-t-il caté pendant les vacances de Noël ?", facts) == ("calendrier",)
    assert await _sources("Quels sont les horaires des messes de Noël ?", facts) == ()


async def test_a_fact_sharing_only_the_period_with_the_question_does_not_answer() -> None:
    question = "L'accueil sera-t-il ouvert pendant les vacances de la Toussaint ?"
    assert await _sources(question, (CALENDAR,)) == ()
    assert await _sources("L'accueil est-il ouvert le lundi ?", (CALENDAR, OFFICE)) == ("accueil",)


async def test_asking_to_talk_to_the_priest_is_not_answered_with_facts_about_him() -> None:
    assert await _sources("Qui est le curé ?") == ("cure",)
    assert await _sources("Je voudrais parler au curé") == ()
