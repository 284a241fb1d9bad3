"""French text normalisation for matching: case, accents, punctuation, simple plurals."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    (
        "a",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "cette",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "est",
        "et",
        "il",
        "je",
        "la",
        "le",
        "les",
        "leur",
        "ma",
        "mes",
        "mon",
        "ne",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "ton",
        "tu",
        "un",
        "une",
        "vous",
        "votre",
        "vos",
        "y",
        "c",
        "d",
        "l",
        "j",
        "m",
        "n",
        "s",
        "t",
        "quel",
        "quelle",
        "quels",
        "quelles",
        "quand",
        "comment",
        "est-ce",
        "ca",
        "cela",
        "il-y",
        "bonjour",
        "merci",
        "svp",
        "stp",
        "please",
        "hello",
    )
)


# Letters that no decomposition writes out: "chœur" is "choeur" as people type it.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})


def fold(text: str) -> str:
    """Lower case without accents, ligatures written out: ``Église`` -> ``eglise``,
    ``sœur`` -> ``soeur``."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def stem(word: str) -> str:
    """A crude French plural folding (``messes`` -> ``messe``, ``journaux`` -> ``journal``)."""
    if len(word) > 4 and word.endswith("aux"):
        return word[:-3] + "al"
    if len(word) > 3 and word[-1] in "sx":
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """Every word of ``text``, folded, in order (stopwords included)."""
    return _WORD.findall(fold(text))


def terms(text: str) -> set[str]:
    """The content words of ``text``, folded and stemmed."""
    return {stem(word) for word in _WORD.findall(fold(text)) if word not in STOPWORDS}
