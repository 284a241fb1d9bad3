"""Which questions about one's child need the family record (and so the parent code)."""

from __future__ import annotations

import pytest

from router.personal import is_personal, organisation_names

# What a parish's public facts would give: keywords and the capitalised names of its texts.
_FACTS = [
    "Les Pousses (CE1) : le mercredi, salle Bernadette.",
    "Les Bâtisseurs (CM1-CM2) : le mardi, salle du Cloître.",
    "Aumônerie à la Maison des jeunes, impasse des Capucins.",
    "Pas de rencontre pendant les Fêtes.",
    "Mercredi : messe à 9h.",  # a day among the organisation's names
]
KNOWN = ["noël", "caté", "kt", "code", "famille", *sorted(organisation_names(_FACTS))]


@pytest.mark.parametrize(
    "text",
    [
        "Mon fils entre en 6e au collège public, l'aumônerie c'est aussi pour lui ?",
        "Mon fils est en CM1 et fait sa première communion cette année, c'est quelle date ?",
        "Le caté du mardi pour les CM1-CM2 finit à quelle heure ? Je dois récupérer mon fils",
        "Le caté du mercredi finit à quelle heure ? Je dois récupérer ma fille",
        "Ma fille est en CE1, le caté c'est quel jour pour elle ?",
        "Mon fils est chez les Bâtisseurs, ça finit à quelle heure ?",
        "Le caté est payant ? Je voudrais que mon fils puisse y aller",
        "Ma fille fera sa communion en juin, il y a une réunion pour les parents ?",
        "Mes enfants peuvent venir au caté même si on ne peut pas payer ?",
        "C'est quoi déjà notre code famille ? Je suis Céline Baylac",
        "j'ai perdu le code de ma fille, je fais comment ?",
        "Quanto custa inscrever o meu filho na catequese?",
        "My son is in CM2, what time does the catechism end?",
        "How much does the catechism cost for my daughter?",
        # an absence, and whom to tell: the same rule for every family
        "Mon gars s'est cassé le bras, il ira pas au caté cette semaine. Je le signale à qui ?",
        "Ma fille a de la fièvre et ne pourra pas aller au caté mardi, je dois prévenir qui ?",
        "My daughter can't come to her group on Wednesday, who should I tell?",
        # the day a story tells of is not what the question asks
        "Ma fille a laissé sa tuque sur un banc samedi. Quelqu'un l'a-tu ramassée ?",
    ],
)
def test_a_general_question_that_mentions_ones_child_needs_no_record(text: str) -> None:
    assert is_personal(text, KNOWN) is False


@pytest.mark.parametrize(
    "text",
    [
        "quel est le groupe de ma fille ?",
        "Quand est la prochaine séance de caté de mon fils ?",
        # Québec's words, and a name opening the message with a sibling
        "Rosalie pis son frère ont-tu du caté avant les Fêtes ?",
        "Édouard parle toujours de « sa madame » à l'éveil, on connaît pas son nom. C'est qui ?",
        "Pouvez-vous me dire le nom du catéchète de Kervens ? Je suis sa mère.",
        "Mon gars a-tu caté cette semaine ?",
        "Envoyez-moi les dates de caté de ma fille svp",
        "Bonjour, mes enfants ont caté quels jours ?",
        "c'est quand le caté de mon fils ?",
        "le caté de mon fils",
        "prochain kt de ma fille ?",
        "Mon fils est en CM1, qui est son catéchiste ?",  # a level, but the record's catechist
        "Qui s'occupe d'Enzo à l'éveil à la foi ?",
        "Raphaël finit à quelle heure le mardi ?",
        "L'aumônerie d'Inês, c'est où exactement ?",
        "kt de ania c ki la catechiste",  # a name typed without its capital
        "my son's catechism group",
        "When is my daughter's next session?",
        "Je voudrais le planning de mes enfants au catéchisme",
        "Des nouvelles du caté de mes enfants ?",
        "caté de mon fils Thomas",  # the child's name, and the service
        "et qui est sa catéchiste ?",  # the child the conversation is about
        "Qual é o grupo do meu filho?",
        "Quando é a próxima sessão da minha filha?",
        "Ma fille a changé d'école. Elle a quoi samedi ?",  # the day in the question's sentence
    ],
)
def test_a_question_on_what_the_family_record_holds_needs_it(text: str) -> None:
    assert is_personal(text, KNOWN) is True


@pytest.mark.parametrize(
    "text",
    [
        "Le caté de Noël est à quelle heure ?",  # a feast, not a child
        "Le caté des Pousses c'est où ?",  # a group of the parish
        "le kt de demain c'est avec quel catéchiste ?",
        "Hello, what time is Mass on Sunday?",
        "Y a-t-il un groupe biblique pour lire la Bible ensemble ?",  # the faith's words
        "Le groupe de partage de l'Évangile, c'est où ?",
    ],
)
def test_the_organisations_own_names_are_not_children(text: str) -> None:
    assert is_personal(text, KNOWN) is False


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour, mon fils entre en 5H à la rentrée. Le caté, c'est quel jour ?",  # Harmos
        "Ma fille est en P3, c'est quel jour le caté ?",  # a Belgian primary year
        "Mon fils passe en 2e année, le caté c'est quand ?",
    ],
)
def test_a_school_year_of_any_countrys_numbering_is_a_public_key(text: str) -> None:
    assert is_personal(text, KNOWN) is False


def test_saying_one_has_no_code_gets_what_is_public() -> None:
    text = (
        "Je suis la grand-maman de Duarte, je n'ai pas le code des parents. Je dois aller le"
        " chercher mardi après le caté, ça finit à quelle heure ?"
    )
    assert is_personal(text, KNOWN) is False
    assert is_personal("I don't have the code, when is my son's next session?", KNOWN) is False
    assert is_personal("Quand est la prochaine séance de Duarte ?", KNOWN) is True


@pytest.mark.parametrize(
    "text",
    [
        "Le prochain train pour Fribourg, c'est à quelle heure ?",  # a town, an hour
        "À quelle heure part le traversier de Matane demain matin ?",
        "C'est quand le mercredi des Cendres en 2028 ? À quelle heure sont les cendres ?",
        # a public event, whoever told the parent of it
        "Ma plus jeune m'a parlé d'un party de Noël avec le caté, c'est quelle date ?",
        "Nouvelle information : l'abbé Dupont reçoit sans rendez-vous. Qui est le curé ?",
        "Le groupe de prière de sœur Agnès, c'est quel jour ?",  # an adult, by a title
        "La prochaine messe est à quelle heure ?",  # "next", but no session of a child
    ],
)
def test_adults_towns_and_the_next_mass_are_not_a_childs_record(text: str) -> None:
    assert is_personal(text, KNOWN) is False


@pytest.mark.parametrize(
    "text",
    [
        "quand est la prochaine rencontre de Noémie ?",
        "son prochain caté c'est quand ?",
        "Clément a rendez-vous à quelle heure samedi ?",
        "next session for Lucas?",
        "C'est quand la prochaine séance des Pousses d'Enzo ?",
        "C'est quand le prochain caté d'Enzo ?",
        "C'est quand la prochaine aumônerie d'Inès ?",  # a word of the parish's own
    ],
)
def test_a_childs_next_session_still_needs_the_record(text: str) -> None:
    assert is_personal(text, KNOWN) is True
