"""How ai reads a question's words: padding, neutral words, typos, synonyms, prefixes."""

from __future__ import annotations

import pytest

from ai.lexicon import PREFIX, SYNONYM, TYPO, document_terms, question_terms, relatedness
from concierge_common.french.text import fold, stem, terms
from concierge_common.french.typos import distance


def test_folding_removes_case_and_accents_and_plurals() -> None:
    assert fold("Église ÉTÉ") == "eglise ete"
    assert stem("messes") == "messe"
    assert stem("journaux") == "journal"
    assert terms("Les Baptêmes") == {"bapteme"}


def test_padding_is_dropped_and_neutral_words_are_set_apart() -> None:
    content, neutral = question_terms(
        "Bonjour, je voudrais savoir les horaires de la messe de dimanche svp"
    )
    assert content == ["messe", "dimanche"]
    assert neutral == ["horaire"]


@pytest.mark.parametrize(
    ("question", "content", "neutral"),
    [
        ("What time is Mass on Sunday?", ["mas", "sunday"], ["time"]),  # stemmed
        ("A que horas é a missa de domingo?", ["missa", "domingo"], ["hora"]),
        (
            "¿Cuál es el número de teléfono de la parroquia?",
            ["numero", "telefono", "parroquia"],
            [],
        ),
    ],
)
def test_padding_of_other_languages_is_dropped_too(
    question: str, content: list[str], neutral: list[str]
) -> None:
    assert question_terms(question) == (content, neutral)


def test_quebec_padding_is_dropped_too() -> None:
    content, neutral = question_terms(
        "Le prêtre confesse-tu à heures fixes quelque part, ou ben ça se fait sur rendez-vous ?"
    )
    assert content == ["pretre", "confesse", "fixe", "part", "rendez"]
    assert neutral == ["heure"]
    assert question_terms("sa tuque pis ses mitaines")[0] == ["tuque", "mitaine"]


def test_asking_which_day_or_date_is_what_the_question_is_about() -> None:
    assert question_terms("le caté c'est quel jour ?") == (["cate", "jour"], [])
    assert question_terms("c'est quelle date ?") == (["date"], [])


def test_a_typo_of_a_neutral_word_is_still_neutral() -> None:
    assert question_terms("horraires") == ([], ["horraire"])


@pytest.mark.parametrize(
    ("query", "term", "expected"),
    [
        ("messe", "messe", 1.0),
        ("horraire", "horaire", TYPO),
        ("catechsime", "catechisme", TYPO),  # two neighbours swapped: one edit
        ("marier", "mariage", SYNONYM),
        ("bebe", "petit", SYNONYM),
        ("preparer", "preparation", PREFIX),
        ("messe", "message", 0.0),
        ("cate", "cote", 0.0),  # short words: no typo allowed
        ("samedi", "samuel", 0.0),
        ("payant", "participation", SYNONYM),  # "le caté est payant ?": its price
        ("jour", "mercredi", SYNONYM),  # "quel jour ?" is answered with a weekday
        ("date", "juin", SYNONYM),  # "quelle date ?" with a month
        ("delai", "moi", SYNONYM),  # "délai ?": "quatre mois avant"
        ("longtemps", "avance", SYNONYM),  # "longtemps à l'avance ?": "trois semaines à l'avance"
        ("age", "ans", SYNONYM),  # "âge mini ?": "au moins 16 ans"
        ("mini", "moin", SYNONYM),
        ("condition", "doit", SYNONYM),  # "des conditions ?": "le parrain doit être confirmé"
        ("doit", "condition", 0.0),
        ("combien", "chf", SYNONYM),  # "c'est combien ?": "CHF 60.–", in any currency
        ("cout", "franc", SYNONYM),
        ("chf", "combien", 0.0),
        ("mercredi", "jour", 0.0),  # one way: a weekday asked is not any day
        ("samedi", "dimanche", 0.0),
        ("signaler", "prevenez", SYNONYM),  # "je le signale à qui ?": "prévenez la catéchète"
        ("averti", "prevenez", SYNONYM),  # "comment on est avertis ?"
        ("tele", "television", SYNONYM),  # "la suivre à la télé ?": "télévision communautaire"
        ("perdu", "oublie", SYNONYM),  # "des mitaines perdues ?": "un objet oublié"
    ],
)
def test_relatedness(query: str, term: str, expected: float) -> None:
    assert relatedness(query, term) == expected


def test_a_typo_of_a_synonym_still_finds_the_group() -> None:
    assert relatedness("mariagge", "marier") == SYNONYM


def test_distance_is_capped_above_the_limit() -> None:
    assert distance("abcdef", "abcdef", 1) == 0
    assert distance("abcdef", "badcef", 2) == 2
    assert distance("abcdef", "uvwxyz", 1) == 2


def test_the_cure_is_the_presbytery_and_the_cure_its_priest() -> None:
    fact = "Secrétariat de la cure de Villardesse ; le curé modérateur. Cure fermée le lundi."
    assert document_terms(fact).count("presbytere") == 2
    assert "cure" in document_terms(fact)  # the priest
    assert question_terms("Qui est le curé ?")[0] == ["cure"]
    assert question_terms("qui est le cure ?")[0] == ["cure"]  # an accent dropped: the priest
    assert question_terms("Elle est où la cure ?")[0] == ["presbytere"]


@pytest.mark.parametrize(
    "text", ["Est-il trop jeune pour commencer ?", "Mon fils est-il assez grand pour servir ?"]
)
def test_too_young_or_old_enough_asks_an_age_not_about_the_youth(text: str) -> None:
    content, _ = question_terms(text)
    assert "age" in content
    assert not {"jeune", "grand"} & set(content)
    assert "jeune" in question_terms("Le groupe des jeunes se retrouve quand ?")[0]
