"""Life events: a death gets condolences, the funeral fact and a person; someone dying, sympathy,
the visit of the sick and a person; a birth, a wedding or a wedding anniversary,
congratulations; a Mass for someone, the Mass intention fact."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from ai.answerer import Answer, FactAnswerer, HandOff
from ai.asked import question_sentence
from ai.facts import Fact
from ai.language import written_in
from ai.life_events import (
    A_PERSON,
    CONDOLENCES,
    CONGRATULATIONS,
    DOCUMENTS_ASKED,
    FUNERAL_QUESTION,
    INTENTION_QUESTION,
    SICK_QUESTION,
    SYMPATHY,
    WEDDING_QUESTION,
    NextStep,
    is_bereavement,
    is_grave_illness,
    is_joyful,
    is_urgent,
    next_step,
)
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
        "je suis enceinte, quand faut-il prévoir le baptême ?",  # a baby is coming
        "Mon fils se marie en juin, il faut quels papiers ?",  # the present: to come
        "On attend des jumeaux pour juillet ! Pour le baptême, le parrain peut avoir 15 ans ?",
        "Je suis devenue grand-maman ce matin ! Les parents veulent la faire baptiser.",
        "I became a dad last night, how do we get her baptised?",
        "Mon chum m'a fait la grande demande hier soir, on rêve d'un mariage à l'église.",
        "On vient de se fiancer ! Par où on commence ?",
        "We just got engaged, what do we need to do?",
        "Notre bébé a deux mois, on voudrait le faire baptiser",  # a baby's age: still news
    ],
)
def test_a_birth_or_a_coming_wedding_is_good_news(text: str) -> None:
    assert is_joyful(text)


@pytest.mark.parametrize(
    "text",
    [
        "Peut-on se marier pendant le Carême ?",
        "baptême adulte combien de temps",
        "Nous nous sommes mariés en juin dernier",
        "Depuis qu'il est devenu diacre, il célèbre les baptêmes ?",  # no one born
        "Mon fils est devenu grand, il peut faire sa confirmation ?",  # grown up
        "J'ai une grande demande : la salle est-elle libre samedi ?",  # no proposal
        "Our twins are four. Is there some kind of church program for preschoolers?",
        "Nos jumeaux ont 4 ans, y a-t-il l'éveil à la foi pour eux ?",  # an age, no birth
    ],
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


INTENTION = Fact(
    "intention",
    "RENSEIGNEMENT",
    "Demander une messe",
    "Pour faire célébrer une messe pour un défunt ou à une intention, passez à l'accueil. "
    "Offrande : 18 €.",
)
SICK = Fact(
    "malades",
    "RENSEIGNEMENT",
    "Malades",
    "Un prêtre peut rendre visite à un malade ou un mourant et donner le sacrement des "
    "malades : prêtre de garde au 06 00 00 00 00.",
)
BABY_BAPTISM = Fact(
    "bapteme-bebe",
    "RENSEIGNEMENT",
    "Baptême des bébés",
    "Pour le baptême d'un bébé ou d'un petit enfant, prenez contact avec l'accueil.",
)
WEDDING_TIMES = Fact(
    "mariage-delais", "RENSEIGNEMENT", "Mariage : délais", "Prenez contact un an avant."
)
WEDDING_PAPERS = Fact(
    "mariage-dossier",
    "RENSEIGNEMENT",
    "Mariage : dossier",
    "Documents à fournir pour le mariage : un extrait d'acte de baptême de chacun.",
)
PARISH = (FUNERALS, INTENTION, SICK, BABY_BAPTISM, WEDDING_TIMES, WEDDING_PAPERS, OTHERS[0])


@pytest.mark.parametrize(
    "text",
    [
        "Cela fera un an le mois prochain que notre fils nous a quittés. Nous voudrions "
        "faire dire une messe pour lui.",
        "Mon parrain est décédé, l'enterrement a eu lieu ailleurs. Peut-on le confier à une "
        "messe ici ?",
        "Je voudrais une messe pour ma mère",
        "Mes parents fêtent leurs 50 ans de mariage, une messe d'action de grâce est possible ?",
        "Nos grands-parents fêtent leurs noces d'or",
        "Can I have a Mass said for my late husband?",
        "Queria mandar celebrar uma missa pela alma do meu pai",
        "Quisiera encargar una misa por mi abuela difunta",
    ],
)
def test_a_mass_for_someone_or_an_anniversary_is_a_mass_intention(text: str) -> None:
    step = next_step(text)
    assert step is not None
    assert step.searches == (INTENTION_QUESTION,)
    assert step.first


@pytest.mark.parametrize(
    "text",
    [
        "Ma mamie nous a quittés ce matin. Qui va préparer la messe d'enterrement ?",
        "Mon mari est décédé mardi, il avait 80 ans. Comment se passent les obsèques ?",
    ],
)
def test_a_funeral_mass_or_a_recent_death_is_the_funeral(text: str) -> None:
    step = next_step(text)
    assert step is not None
    assert step.searches[-1] == FUNERAL_QUESTION


def test_a_funeral_named_beside_the_question_is_not_what_is_asked() -> None:
    text = (
        "On vient aux funérailles d'un oncle avec ma tante qui se déplace en fauteuil. "
        "Par où entrer dans l'église sans escalier ?"
    )
    beside = next_step(text, "Par où entrer dans l'église sans escalier ?")
    assert beside is not None
    assert not beside.first  # the message's own words first: the way in
    asked = next_step(text, None)
    assert asked is not None
    assert asked.first  # read whole, the funeral is named


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Comment mon mari ira-t-il au sous-sol pour le buffet après les funérailles ?", False),
        ("On fait le repas avant le baptême de notre bébé né hier, la salle est libre ?", False),
        ("Mon père est décédé cette nuit, les funérailles se font comment ?", True),
    ],
)
def test_an_event_that_only_dates_the_question_is_not_what_is_asked(text: str, first: bool) -> None:
    step = next_step(text, text)
    assert step is not None
    assert step.first is first


@pytest.mark.parametrize(
    ("text", "first"),
    [
        (
            "Je viens de recevoir un appel de l'hôpital : mon père est décédé. Pour l'église,"
            " qu'est-ce que je dois faire en premier ?",
            True,
        ),
        ("Notre fils est né hier. Quelles sont les démarches à la paroisse ?", True),
        ("My mother died this morning. What do we do first with the church?", True),
        ("Mon père est décédé. Le sous-sol de l'église se loue pour la réception ?", False),
    ],
)
def test_a_question_asking_only_what_to_do_next_after_the_event_is_about_it(
    text: str, first: bool
) -> None:
    step = next_step(text, question_sentence(text))
    assert step is not None
    assert step.first is first


@pytest.mark.parametrize(
    "text",
    [
        "Mon grand-père est en fin de vie, la famille voudrait qu'un prêtre passe ce soir",
        "Ma maman est très malade, elle voudrait recevoir le sacrement des malades",
        "Mon père va mourir, pouvez-vous envoyer quelqu'un ?",
        "My mother is dying, can a priest come?",
        "A minha avó está muito doente",
        "Mi padre está muy enfermo en el hospital",
    ],
)
def test_someone_dying_or_gravely_ill_is_a_grave_illness_not_a_death(text: str) -> None:
    assert is_grave_illness(text)
    assert not is_bereavement(text)
    step = next_step(text)
    assert step is not None
    assert step.searches == (SICK_QUESTION,)


@pytest.mark.parametrize(
    "text",
    [
        "Ma sœur vient de perdre son bébé à la naissance.",
        "Nous avons perdu notre fils la semaine dernière",
        "We lost our baby last night",
        "Mon père vient de mourir",
        "Elle a fait une fausse couche",
    ],
)
def test_the_loss_of_a_baby_a_child_or_a_parent_is_a_bereavement(text: str) -> None:
    assert is_bereavement(text)
    assert not is_joyful(text)


@pytest.mark.parametrize(
    "text",
    [
        "notre fille a perdu son doudou à la messe",
        "un prêtre peut-il venir bénir notre maison ?",
        "je vais mourir de rire",
    ],
)
def test_everyday_words_are_no_life_event(text: str) -> None:
    assert not is_bereavement(text)
    assert next_step(text) is None


def test_a_priest_asked_to_a_maternity_ward_is_the_visit_of_the_sick() -> None:
    step = next_step("Un prêtre pourrait-il venir prier avec elle à la maternité ?")
    assert step is not None
    assert step.searches == (SICK_QUESTION,)


def test_a_coming_wedding_asking_for_papers_searches_the_documents_first() -> None:
    step = next_step("Nous nous marions l'été prochain, quels papiers faut-il rassembler ?")
    assert step is not None
    assert step.searches == (f"{WEDDING_QUESTION} {DOCUMENTS_ASKED}", WEDDING_QUESTION)
    assert not step.first


def test_a_question_of_its_own_beside_a_mass_intention_is_searched_before_the_mass() -> None:
    text = "Mes parents fêtent leurs noces d'or en juin. Quel est le tarif de la salle ?"
    step = next_step(text, question_sentence(text))
    assert step is not None
    assert step.searches == (INTENTION_QUESTION,)
    assert not step.first
    asked = "Mes parents fêtent leurs noces d'or en juin. Une messe est-elle possible ?"
    assert next_step(asked, question_sentence(asked)) == NextStep((INTENTION_QUESTION,), True)
    where = "J'ai une enveloppe pour faire dire une messe. C'est quoi l'adresse du presbytère ?"
    assert next_step(where, question_sentence(where)) == NextStep((INTENTION_QUESTION,), False)


def test_a_wedding_anniversary_is_good_news_not_a_coming_wedding() -> None:
    text = "Mes parents fêtent leurs 50 ans de mariage en mai prochain"
    assert is_joyful(text)
    step = next_step(text)
    assert step is not None
    assert step.searches == (INTENTION_QUESTION,)


async def test_a_mass_for_a_dead_son_gets_condolences_and_the_mass_intention_fact() -> None:
    answer = await _answerer(*PARISH).answer(
        _turn(
            "Cela fera un an que notre fils nous a quittés. Nous voudrions faire dire une "
            "messe pour lui."
        )
    )
    assert isinstance(answer, Answer)
    assert answer.sources == ("intention",)
    assert answer.text.startswith(CONDOLENCES["fr"])


async def test_a_dying_grandfather_gets_sympathy_the_visit_of_the_sick_and_a_person() -> None:
    answer = await _answerer(*PARISH).answer(
        _turn("Mon grand-père est en fin de vie à l'hôpital, qu'un prêtre passe ce soir ?")
    )
    assert isinstance(answer, Answer)
    assert answer.sources == ("malades",)
    first, fact, offer = answer.text.split("\n\n")
    assert (first, fact, offer) == (SYMPATHY["fr"], SICK.content, A_PERSON["fr"])


async def test_someone_dying_no_fact_answers_goes_to_a_person_gently() -> None:
    answer = await _answerer(*OTHERS).answer(_turn("Ma mère est mourante, que faire ?"))
    assert isinstance(answer, HandOff)
    assert answer.reason == SENSITIVE


async def test_a_baby_lost_at_birth_gets_condolences_and_a_priest_never_congratulations() -> None:
    answer = await _answerer(*PARISH).answer(
        _turn(
            "Ma sœur vient de perdre son bébé à la naissance. Est-ce qu'un prêtre pourrait "
            "venir prier avec elle à la maternité ?"
        )
    )
    assert isinstance(answer, Answer)
    assert answer.sources == ("malades",)
    assert answer.text.startswith(CONDOLENCES["fr"])
    assert CONGRATULATIONS["fr"] not in answer.text


async def test_a_golden_wedding_mass_gets_congratulations_and_the_mass_intention_fact() -> None:
    answer = await _answerer(*PARISH).answer(
        _turn("Mes parents fêtent leurs noces d'or, peut-on faire dire une messe pour eux ?")
    )
    assert isinstance(answer, Answer)
    assert answer.sources == ("intention",)
    assert answer.text == f"{CONGRATULATIONS['fr']}\n{INTENTION.content}"


async def test_a_coming_wedding_asking_for_papers_gets_the_documents_fact() -> None:
    answer = await _answerer(*PARISH).answer(
        _turn("Nous nous marions l'été prochain, quels papiers faut-il rassembler ?")
    )
    assert isinstance(answer, Answer)
    assert "mariage-dossier" in answer.sources
    assert answer.text.startswith(CONGRATULATIONS["fr"])


async def test_a_funeral_named_gets_the_funeral_fact_before_a_mass_for_the_deceased() -> None:
    answer = await _answerer(*PARISH).answer(_turn("enterrement a l eglise comment ca se passe"))
    assert isinstance(answer, Answer)
    assert answer.sources == ("obseques",)


async def test_a_funeral_in_sms_spelling_gets_the_funeral_fact_with_condolences() -> None:
    answer = await _answerer(*PARISH).answer(_turn("enterement ki apeler"))
    assert isinstance(answer, Answer)
    assert answer.sources == ("obseques",)
    assert "condoléances" in answer.text


async def test_a_wedding_in_a_named_month_gets_the_documents_not_a_decline() -> None:
    answer = await _answerer(*PARISH).answer(
        _turn("Mon fils se marie en juin, il faut quels papiers ?")
    )
    assert isinstance(answer, Answer)
    assert answer.sources == ("mariage-dossier",)


async def test_a_bereaved_person_asking_to_talk_to_a_priest_goes_to_a_person() -> None:
    answer = await _answerer(*PARISH).answer(
        _turn("Mon père est décédé cette nuit, je voudrais parler à un prêtre")
    )
    assert isinstance(answer, HandOff)
    assert answer.reason == SENSITIVE


def test_how_long_before_a_wedding_is_not_a_question_of_cost() -> None:
    step = next_step("Nous allons nous marier, combien de temps à l'avance faut-il venir ?")
    assert step is not None
    assert step.searches == (WEDDING_QUESTION,)


async def test_a_baby_to_baptise_gets_the_baby_baptism_fact_first() -> None:
    catechism = Fact(
        "inscription", "RENSEIGNEMENT", "Inscription", "On peut inscrire son enfant au caté."
    )
    answer = await _answerer(catechism, *PARISH).answer(
        _turn("My wife and I would like to have our baby baptised. What do we need to do?")
    )
    assert isinstance(answer, Answer)
    assert answer.sources == ("bapteme-bebe",)
    assert answer.text.startswith(CONGRATULATIONS["en"])


@pytest.mark.parametrize(
    "text",
    [
        "C'est urgent, ma mère est en train de mourir, il nous faut un prêtre tout de suite",
        "Mon père est mourant, pouvez-vous envoyer un prêtre vite",
        "My father is dying, please send a priest right now",
    ],
)
async def test_an_urgent_need_for_someone_dying_goes_to_a_person_with_the_fact_given_first(
    text: str,
) -> None:
    answer = await _answerer(*PARISH).answer(_turn(text))
    assert isinstance(answer, HandOff)
    assert answer.reason == SENSITIVE
    assert SICK.content in answer.reply  # the duty priest's number, at once
    assert answer.reply.startswith(SYMPATHY[written_in(text)])


async def test_an_urgent_need_no_fact_answers_goes_to_a_person_with_the_gentle_apology() -> None:
    answer = await _answerer(*OTHERS).answer(_turn("Ma mère est mourante, c'est urgent"))
    assert answer == HandOff(SENSITIVE, "Urgence : décès ou proche mourant")


def test_a_need_that_can_wait_is_not_urgent() -> None:
    assert is_urgent("il nous faut un prêtre tout de suite")
    assert is_urgent("please come right now")
    assert not is_urgent("Mon grand-père est en fin de vie, qu'un prêtre passe ce soir ?")
    assert not is_urgent("au plus tard samedi")
    assert not is_urgent("y a-t-il un numéro d'urgence pour avoir un prêtre la nuit ?")
    assert not is_urgent("Is there an emergency number for a priest?")
    assert is_urgent("c'est une urgence, mon père est au plus mal")


def test_the_ne_of_a_negation_is_no_birth() -> None:
    text = (
        "Est-ce que quelqu'un de la paroisse peut venir porter la communion à ma grand-mère ?"
        " Elle ne sort plus de chez elle depuis l'hiver."
    )
    assert not is_joyful(text)
    assert is_joyful("notre fils est né hier, comment le faire baptiser ?")


def test_someone_who_took_their_life_is_a_death_and_thoughts_of_suicide_are_not() -> None:
    assert is_bereavement("Mon frère s'est suicidé la semaine passée, une cérémonie est possible ?")
    assert is_bereavement("My brother committed suicide last week")
    assert is_bereavement("Ma sœur a mis fin à ses jours dimanche. Qu'est-ce qui en est ?")
    assert is_bereavement("Mon voisin s'est enlevé la vie, peut-il avoir des funérailles ?")
    assert is_bereavement("Her son took his own life in May")
    assert not is_bereavement("Les jours de fin d'année, le bureau est fermé")
    assert not is_bereavement("je pense au suicide depuis quelques jours")
