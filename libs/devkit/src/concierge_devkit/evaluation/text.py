"""Text as the evaluation compares it: folded, so that a paraphrase can still match.

Case, accents and punctuation do not matter, and a time is written one way
whatever the style ("9h30", "9 h 30", "9:30" are all ``9h30``; "11h00" is
``11h``). Matching is by whole words: a snippet ``"11h"`` is found in "à 11h
à l'église", not in "11h15".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_TIME = re.compile(r"\b(\d{1,2})\s*(?:h|:)(?:\s*(\d{2}))?\b")
_TOKEN = re.compile(r"[a-z0-9]+|[€%@]")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "’": "'"})


def _time(match: re.Match[str]) -> str:
    minutes = match.group(2)
    return f"{match.group(1)}h{'' if minutes in (None, '00') else minutes}"


def fold(text: str) -> str:
    """``text`` as space-separated folded words: ``"À 9 h 30, l'Église"`` -> ``a 9h30 l eglise``."""
    lowered = text.casefold().translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", lowered)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    plain = _TIME.sub(_time, plain)
    return " ".join(_TOKEN.findall(plain))


def has(folded_text: str, folded_snippet: str) -> bool:
    """True when the folded snippet appears in the folded text as whole words."""
    if not folded_snippet:
        return False
    return f" {folded_snippet} " in f" {folded_text} "


def compact(text: str) -> str:
    """Only letters and digits: ``"sm 4821"`` and ``"SM-4821"`` are both ``sm4821``."""
    return re.sub(r"[^a-z0-9]", "", fold(text))


def ngrams(folded_text: str, size: int) -> set[str]:
    """Every run of ``size`` consecutive words of a folded text."""
    tokens = folded_text.split()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def all_ngrams(texts: Iterable[str], size: int) -> set[str]:
    found: set[str] = set()
    for text in texts:
        found |= ngrams(fold(text), size)
    return found
