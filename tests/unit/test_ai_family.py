"""Answers to a verified parent from their own family record: per aspect, per child."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

from ai import family
from ai.family import CATECHIST, GROUP, SCHEDULE, SESSIONS, french_date

TODAY = date(2026, 12, 3)
LEFEVRE: dict[str, Any] = {
    "family": "Famille Lefèvre",
    "children": [
        {
            "first_name": "Léa",
            "group": "Groupe Samuel (CE1-CE2)",
            "catechist": "Anne Mercier",
            "schedule": "le mercredi de 10h à 11h15, salle Saint-Joseph",
            "next_sessions": ["2026-12-02", "2026-12-09", "2026-12-16", "2027-01-06", "2027-01-13"],
        },
        {
            "first_name": "Hugo",
            "group": "Éveil à la foi (3-6 ans)",
            "catechist": "Sœur Marie-Pierre",
            "schedule": "un dimanche par mois pendant la messe de 11h",
            "next_sessions": ["2026-12-13", "2027-01-17"],
        },
    ],
}
CHILDREN = family.parse_children(LEFEVRE)


def _answer(text: str) -> str:
    return family.answer(family.read(text, CHILDREN), CHILDREN, TODAY)


@pytest.mark.parametrize(
    ("text", "aspects"),
    [
        ("À quelle heure est le caté ?", (SCHEDULE,)),
        ("les horaires svp", (SCHEDULE,)),
        ("c'est quand le caté ?", (SCHEDULE,)),
        ("dans quel groupe est mon fils ?", (GROUP,)),
        ("qui s'occupe de ma fille ?", (CATECHIST,)),
        ("le nom de la catéchiste ?", (CATECHIST,)),
        ("quand est la prochaine séance ?", (SESSIONS,)),
        ("les dates du calendrier", (SESSIONS,)),
        ("groupe et catéchiste", (GROUP, CATECHIST)),
        ("des nouvelles de mes enfants", ()),
        ("c'est qui la catéchète de mon gars ?", (CATECHIST,)),  # Québec's word
        ("il parle toujours de sa madame au caté, c'est qui ?", (CATECHIST,)),
        ("Who is the person leading her group?", (GROUP, CATECHIST)),
        ("When is the next session?", (SESSIONS,)),
        ("¿Quién es su catequista?", (CATECHIST,)),
        ("Qui s'occupe du groupe de Gaspard ?", (GROUP, CATECHIST)),  # who: a person
        ("Et qui anime son groupe ?", (GROUP, CATECHIST)),
        ("La séance qui vient, c'est quand ?", (SESSIONS,)),  # a relative "qui"
    ],
)
def test_what_is_asked_is_read_from_its_words(text: str, aspects: tuple[str, ...]) -> None:
    assert family.read(text, CHILDREN).aspects == aspects


def test_asking_the_name_of_the_person_leading_a_childs_group_is_about_the_record() -> None:
    question = family.read("the name of the person leading Léa's group?", CHILDREN)
    assert CATECHIST in question.aspects
    assert question.rest == ()  # nothing left for the general facts


def test_each_aspect_is_answered_for_every_child() -> None:
    assert _answer("à quelle heure ?") == (
        "Léa a caté le mercredi de 10h à 11h15, salle Saint-Joseph.\n"
        "Hugo a caté un dimanche par mois pendant la messe de 11h."
    )
    assert _answer("quel groupe ?") == (
        "Léa est dans le groupe : Groupe Samuel (CE1-CE2).\n"
        "Hugo est dans le groupe : Éveil à la foi (3-6 ans)."
    )
    assert _answer("qui est le catéchiste ?") == (
        "Catéchiste de Léa : Anne Mercier.\nCatéchiste de Hugo : Sœur Marie-Pierre."
    )


def test_next_sessions_start_today_and_are_written_in_french() -> None:
    assert _answer("prochaines séances de Léa ?") == (
        "Prochaines séances de Léa : mercredi 9 décembre, mercredi 16 décembre "
        "et mercredi 6 janvier 2027."
    )


def test_a_session_today_is_still_a_next_session() -> None:
    children = family.parse_children(
        {"children": [{"first_name": "Léa", "next_sessions": ["2026-12-03"]}]}
    )
    text = family.answer(family.read("prochaine séance", children), children, TODAY)
    assert text == "Prochaine séance de Léa : jeudi 3 décembre."


def test_no_session_left_is_said_plainly() -> None:
    later = date(2027, 2, 1)
    text = family.answer(family.read("prochaine séance de Hugo", CHILDREN), CHILDREN, later)
    assert text == "Hugo : aucune prochaine séance n'est encore inscrite au calendrier."


@pytest.mark.parametrize(
    "text", ["le groupe de Léa", "le groupe de LEA", "et pour lea, quel groupe ?"]
)
def test_a_named_child_narrows_the_answer_to_them(text: str) -> None:
    answer = _answer(text)
    assert answer == "Léa est dans le groupe : Groupe Samuel (CE1-CE2)."
    assert "Hugo" not in answer


def test_without_a_question_each_child_gets_a_summary() -> None:
    assert _answer("des nouvelles de mes enfants ?") == (
        "Léa : Groupe Samuel (CE1-CE2), avec Anne Mercier, le mercredi de 10h à 11h15, "
        "salle Saint-Joseph. Prochaine séance : mercredi 9 décembre.\n"
        "Hugo : Éveil à la foi (3-6 ans), avec Sœur Marie-Pierre, un dimanche par mois "
        "pendant la messe de 11h. Prochaine séance : dimanche 13 décembre."
    )


@pytest.mark.parametrize(
    "text",
    [
        "Quel est le groupe de Thomas ?",
        "Famille Nguyen : qui est le catéchiste de Thomas ?",
        "prochaines séances de Thomas Nguyen",
        "des nouvelles de Thomas",
    ],
)
def test_another_family_named_in_the_question_gets_nothing_but_the_own_children(text: str) -> None:
    answer = _answer(text)
    assert "Thomas" not in answer
    assert "Nguyen" not in answer
    assert "Lefèvre" not in answer  # not even the family's own name is repeated
    assert "Léa" in answer
    assert "Hugo" in answer


def test_a_missing_field_is_not_invented() -> None:
    children = family.parse_children({"children": [{"first_name": "Léa"}]})
    text = family.answer(family.read("quel groupe ?", children), children, TODAY)
    assert text.startswith("Léa : je n'ai pas cette information")


def test_malformed_entries_are_skipped() -> None:
    record: dict[str, Any] = {
        "children": [
            "Léa",
            {"group": "sans prénom"},
            {"first_name": "Hugo", "next_sessions": ["13/12/2026", "2026-12-13", 7]},
        ]
    }
    children = family.parse_children(record)
    assert [child.first_name for child in children] == ["Hugo"]
    assert children[0].sessions == (family.Session(date(2026, 12, 13)),)
    assert family.parse_children({"children": "none"}) == ()


def test_the_rest_of_a_question_is_what_is_not_about_the_family() -> None:
    question = family.read("Combien coûte l'inscription au caté pour Léa ?", CHILDREN)
    assert question.rest == ("combien", "coute", "inscription")
    assert [child.first_name for child in question.children] == ["Léa"]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 2), "mercredi 2 décembre"),
        (date(2026, 8, 1), "samedi 1er août"),
        (date(2027, 1, 1), "vendredi 1er janvier 2027"),
    ],
)
def test_french_dates(day: date, expected: str) -> None:
    assert french_date(day, TODAY) == expected


def test_a_session_may_give_its_own_time_and_place() -> None:
    record = {
        "parents": ["Claire Lefèvre"],
        "children": [
            {
                "first_name": "Léa",
                "last_name": "Lefèvre",
                "next_sessions": [
                    {"date": "2027-03-14", "time": "10h30", "place": "salle Saint-Joseph"},
                    "2027-03-21T09:00",
                    {"date": "2027-03-28", "time": "25:00"},  # unreadable: skipped
                ],
            }
        ],
    }
    children = family.parse_children(record)
    assert children[0].full_name == "Léa Lefèvre"
    text = family.answer(family.read("prochaines séances ?", children), children, TODAY)
    assert text == (
        "Prochaines séances de Léa : dimanche 14 mars 2027 à 10h30, salle Saint-Joseph "
        "et dimanche 21 mars 2027 à 9h."
    )


def test_sessions_are_ordered_by_day_then_time() -> None:
    record = {
        "children": [
            {"first_name": "Léa", "next_sessions": ["2026-12-20T14:00", "2026-12-20T09:30"]}
        ]
    }
    [child] = family.parse_children(record)
    assert [session.start for session in child.sessions] == [time(9, 30), time(14, 0)]


def test_where_the_catechism_takes_place_is_answered_from_the_schedule() -> None:
    record = {
        "children": [
            {"first_name": "Arthur", "schedule": "le mercredi de 13h30 à 15h, presbytère d'Ornival"}
        ]
    }
    children = family.parse_children(record)
    text = family.answer(family.read("Où a lieu le caté d'Arthur ?", children), children, TODAY)
    assert text == "Arthur a caté le mercredi de 13h30 à 15h, presbytère d'Ornival."


def test_a_question_naming_a_childs_own_session_label_is_about_that_session() -> None:
    record = {
        "children": [
            {
                "first_name": "Lou",
                "next_sessions": [
                    "2026-12-08",
                    {
                        "date": "2026-12-12",
                        "time": "10:00",
                        "place": "presbytère, rencontre de préparation au baptême",
                    },
                ],
            },
            {"first_name": "Noé", "next_sessions": ["2026-12-09"]},
        ]
    }
    children = family.parse_children(record)
    question = family.read(
        "Le rendez-vous de Lou pour la préparation de son baptême, c'est quand ?", children
    )
    assert question.rest == ()
    assert question.aspects == (family.SESSIONS,)
    assert "samedi 12 décembre à 10h, presbytère" in family.answer(question, children, TODAY)
    # Without the child named, the same words are a general question for the facts.
    general = family.read("La préparation au baptême, c'est quand ?", children)
    assert general.rest == ("preparation", "bapteme")


@pytest.mark.parametrize("text", ["Léa a caté mercredi prochain ?", "Et le 16 décembre pour Léa ?"])
def test_a_day_asked_about_a_named_child_is_about_their_sessions(text: str) -> None:
    question = family.read(text, CHILDREN)
    assert question.rest == ()
    assert family.SESSIONS in question.aspects
    assert "mercredi 16 décembre" in family.answer(question, CHILDREN, TODAY)


def test_a_day_in_a_general_question_stays_with_the_question() -> None:
    question = family.read("Y a-t-il une messe dimanche pour Léa ?", CHILDREN)
    assert question.rest == ("messe", "dimanche")


def test_which_days_the_children_have_catechism_is_their_schedule() -> None:
    question = family.read("Bonjour, mes enfants ont caté quels jours ?", CHILDREN)
    assert (question.aspects, question.rest) == ((family.SCHEDULE,), ())


def test_the_childrens_planning_is_their_next_sessions() -> None:
    question = family.read("Envoyez-moi le planning des enfants svp", CHILDREN)
    assert question.aspects == (family.SESSIONS,)
    assert "dimanche 13 décembre" in family.answer(question, CHILDREN, TODAY)


def test_a_childs_own_group_named_with_a_day_is_about_their_sessions() -> None:
    question = family.read("Hugo a éveil ce dimanche ?", CHILDREN)
    assert (question.rest, question.aspects) == ((), (family.SESSIONS,))


def test_asking_for_a_childs_record_gets_their_summary() -> None:
    question = family.read("Donnez-moi la fiche de Léa", CHILDREN)
    assert (question.rest, question.aspects) == ((), ())
    assert family.answer(question, CHILDREN, TODAY).startswith("Léa : Groupe Samuel")


def test_next_week_asked_about_a_named_child_is_about_their_sessions() -> None:
    question = family.read("Léa a caté la semaine prochaine ?", CHILDREN)
    assert question.rest == ()
    assert family.SESSIONS in question.aspects


def test_de_is_elided_before_a_vowel() -> None:
    children = family.parse_children(
        {"children": [{"first_name": "Enzo", "catechist": "Sœur Geneviève"}]}
    )
    text = family.answer(family.read("qui est sa catéchiste ?", children), children, TODAY)
    assert text == "Catéchiste d'Enzo : Sœur Geneviève."


def test_a_childs_group_words_alone_stay_a_question_for_the_facts() -> None:
    children = family.parse_children(
        {"children": [{"first_name": "Manon", "group": "Première communion (2e primaire)"}]}
    )
    question = family.read("Quand est la première communion de Manon ?", children)
    assert question.rest == ("premiere", "communion")
    with_a_day = family.read("Manon a première communion samedi ?", children)
    assert with_a_day.rest == ()
    with_the_record = family.read("La prochaine séance de première communion de Manon ?", children)
    assert with_the_record.rest == ()


def test_a_childs_group_named_with_a_word_of_the_record_finds_the_child() -> None:
    question = family.read("Qui est l'animateur du groupe d'éveil de mon fils ?", CHILDREN)
    assert question.rest == ()
    assert [child.first_name for child in question.children] == ["Hugo"]
    assert "Sœur Marie-Pierre" in family.answer(question, CHILDREN, TODAY)


def test_one_word_more_than_the_record_asks_stays_with_the_record() -> None:
    question = family.read("Léa a caté quand la prochaine fois ?", CHILDREN)
    assert question.rest == ()
    assert family.SESSIONS in question.aspects
    general = family.read("Léa a caté quand ? faut-il apporter une bible ou un cahier ?", CHILDREN)
    assert general.rest != ()


def test_asking_where_adds_the_place_the_schedule_gives() -> None:
    question = family.read("La prochaine séance de Léa, c'est où ?", CHILDREN)
    assert question.aspects[0] == family.SCHEDULE
    assert "salle Saint-Joseph" in family.answer(question, CHILDREN, TODAY)
