"""The language a person writes in: French, English, Portuguese or Spanish.

Each service that speaks to people without a model (ai's offline answers, the
router's menu, the handoff's notices) says its fixed phrases in the language the
person wrote in. :func:`written_in` recognises them by their small everyday words
(question words, articles, greetings, a parish's nouns).
A word two of these languages share ("que", "domingo") tells nothing and is
left out. A message with no telling word, or as many for two languages, is
taken as French: the organisation's language, and most people's.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from concierge_common.french.text import words

Language = Literal["fr", "en", "pt", "es"]
FRENCH: Language = "fr"

_TELLING: dict[Language, str] = {
    "fr": (
        "le la les du des est et je vous nous mon ma mes votre quelle quel quelles quels "
        "heure messe eglise dimanche bonjour merci pour avec dans sur quand comment bapteme "
        "mariage enfant fils fille peut ou est-ce c qu il elle sont"
    ),
    "en": (
        "the what when where which who how is are was time times mass church hello hi please "
        "thanks thank you your my i can could would there of to at for with christening "
        "baptism wedding funeral child son daughter parish office open"
    ),
    "pt": (
        "ola bom boa dia tarde noite horas missa igreja obrigado obrigada quando onde como "
        "posso gostaria meu minha filho filha batizado batismo casamento nao voce esta tem "
        "uma um das dos sao paroquia aberta pai mae"
    ),
    "es": (
        "hola buenos buenas dias hora misa iglesia gracias cuando donde como puedo quisiera "
        "mi hijo hija bautizo boda usted hay tiene una un del es esta son parroquia oficina "
        "abierta el los las cual padre madre fallecido fallecio murio confesar confesarme"
    ),
}


def _telling() -> dict[str, Language]:
    """Each word that belongs to exactly one of the languages, and that language."""
    seen = Counter(word for text in _TELLING.values() for word in set(text.split()))
    return {
        word: language
        for language, text in _TELLING.items()
        for word in text.split()
        if seen[word] == 1
    }


_WORD_LANGUAGE = _telling()


def written_in(text: str) -> Language:
    """The language of ``text``: the one with most telling words, French when unclear."""
    return telling(text) or FRENCH


def telling(text: str) -> Language | None:
    """The language ``text`` is clearly in, or None when it has no telling word or as many
    for two languages (``written_in`` takes French then)."""
    counts = Counter(
        _WORD_LANGUAGE[word] for word in words(text) if word in _WORD_LANGUAGE
    ).most_common()
    if not counts or (len(counts) > 1 and counts[0][1] == counts[1][1]):
        return None
    return counts[0][0]
