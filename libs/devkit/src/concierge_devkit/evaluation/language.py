"""Which language a line of a reply is in, roughly: enough to judge "answer in my language".

A line is scored by its common little words (articles, pronouns, prepositions,
a few words every parish reply uses) in French, English, Portuguese and
Spanish. A word that two languages share ("de", "la", "para") counts for
none. A line is in a language when at least :data:`MIN_WORDS` of its words are
that language's and more than any other language's. A French fact quoted
after a lead line in English has an English line: that is what the offline
answerer may do (issue 15), and it passes.
"""

from __future__ import annotations

from collections.abc import Iterable

from concierge_devkit.evaluation.text import fold

MIN_WORDS = 2
_WORDS: dict[str, str] = {
    "fr": (
        "le les du des et est sont vous votre vos nous notre il elle je ne pas une au aux "
        "avec pour dans sur ce cette ces qui messe eglise dimanche samedi bonjour merci oui "
        "mais ou lundi mardi mercredi jeudi vendredi heures peut pouvez chaque"
    ),
    "en": (
        "the is are you your we our it i not with for in on at this that these who what "
        "mass church sunday saturday hello thank thanks yes but or here there is can please "
        "sorry information have has will would be of to and from an masses times"
    ),
    "pt": (
        "o os as um uma do da dos das e nao voce sua seu nos com no na em isso esta "
        "missa igreja sabado obrigado sim mas ou aqui ha pode informacao tenho sobre ao "
        "pelo pela segunda terca quarta quinta sexta horario desculpe posso ajudar missas"
    ),
    "es": (
        "el los las un una del y es no usted su nosotros con en esta este misa iglesia "
        "sabado gracias si pero o aqui hay puede informacion tengo sobre al por lunes "
        "martes miercoles jueves viernes horario lo siento puedo eso ayudar ayudarle misas"
    ),
}


def _distinct(table: dict[str, str]) -> dict[str, frozenset[str]]:
    """Each language's words that no other language of the table has."""
    sets = {language: frozenset(words.split()) for language, words in table.items()}
    return {
        language: words.difference(*(other for name, other in sets.items() if name != language))
        for language, words in sets.items()
    }


WORDS = _distinct(_WORDS)


def language_of(line: str) -> str | None:
    """The language of ``line`` (``fr``, ``en``, ``pt``, ``es``), or None when unclear."""
    tokens = fold(line).split()
    scores = {language: sum(t in words for t in tokens) for language, words in WORDS.items()}
    best = max(scores, key=lambda language: scores[language])
    others = [score for language, score in scores.items() if language != best]
    if scores[best] >= MIN_WORDS and scores[best] > max(others):
        return best
    return None


def has_line_in(replies: Iterable[str], language: str) -> bool:
    """True when a line of one of ``replies`` is in ``language``."""
    return any(language_of(line) == language for reply in replies for line in reply.splitlines())
