"""The person's language: recognised from their words, and ai's offline replies in it."""

from __future__ import annotations

import pytest

from ai.answerer import courtesy
from ai.language import LEAD, phrase, with_lead, written_in
from ai.lexicon import french_gloss


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hello, what time is Mass on Sunday?", "en"),
        ("Where is the church?", "en"),
        ("Bom dia, a que horas é a missa de domingo?", "pt"),
        ("Olá, gostaria de batizar o meu filho", "pt"),
        ("Hola, ¿a qué hora es la misa del domingo?", "es"),
        ("¿Dónde está la iglesia?", "es"),
        ("À quelle heure est la messe dimanche ?", "fr"),
        ("c koi lé horR d mess", "fr"),  # nothing telling: the organisation's language
        ("parking ?", "fr"),
    ],
)
def test_the_language_is_read_from_the_persons_everyday_words(text: str, language: str) -> None:
    assert written_in(text) == language


def test_a_french_fact_for_another_language_comes_after_a_line_in_that_language() -> None:
    fact = "Messe le dimanche à 10h30."
    assert with_lead(fact, "fr") == fact
    assert with_lead(fact, "en") == f"{LEAD['en']}\n{fact}"
    assert "French" in LEAD["en"]
    assert "francês" in LEAD["pt"]
    assert "francés" in LEAD["es"]


@pytest.mark.parametrize(
    ("text", "key", "language"),
    [("Hola", "welcome", "es"), ("hello", "welcome", "en"), ("obrigado", "you_are_welcome", "pt")],
)
def test_a_greeting_or_thanks_is_answered_in_its_language(
    text: str, key: str, language: str
) -> None:
    answer = courtesy(text)
    assert answer is not None
    assert answer.text == phrase(key, language)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "gloss"),
    [
        ("Where is the church?", "eglise"),
        ("How do we get our baby baptised?", "bapteme"),  # another ending of "baptize"
        ("What time is Mass on Sunday?", "messe dimanche"),
        ("Quelle heure ?", ""),  # French words are not glossed
        ("¿A qué hora es la misa del domingo en la iglesia?", "messe dimanche eglise"),
        ("¿Cuánto cuesta el bautizo?", "tarif bapteme"),
        ("¿Con cuánto tiempo de antelación hay que avisar para casarnos?", "marier"),  # how long
        ("¿Cuándo puedo confesarme?", "confession"),  # "cuándo" is no typo of "quanto"
        ("Sorry, where is the church please?", "eglise"),
        ("¿A qué hora abre la secretaría parroquial el lunes?", "ouvert accueil paroisse lundi"),
        ("Is the church open on Friday?", "eglise ouvert vendredi"),
        ("Necesito pasar por la oficina, ¿qué horario tiene?", "accueil"),  # "pasar": no "casar"
        ("How much does it cost to rent the parish hall?", "tarif location paroisse salle"),
        ("Meu pai faleceu ontem, quando é a missa?", "pere obseque messe"),
        ("Is there a youth group where we can pray?", "jeune priere"),
    ],
)
def test_words_of_other_languages_are_glossed_in_french_for_the_search(
    text: str, gloss: str
) -> None:
    assert french_gloss(text) == gloss
