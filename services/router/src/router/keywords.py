"""Which services a message names, from their trigger keywords.

People write on WhatsApp with or without accents, in capitals, in the plural and
with typos ("catéchisme", "CATECHISMES", "catechsime"). A keyword matches a
word of the message when both fold to the same stem, or when they are within an
edit distance that grows with the keyword's length: none under 5 letters (short
words differ by one letter too often: "caté"/"cote"), one up to 8, two beyond.
A keyword of several words ("code parent") matches those words in a row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from concierge_common.text import stem, words


def tolerance(word: str) -> int:
    """Edits allowed when matching ``word``: 0 below 5 letters, 1 below 9, else 2."""
    if len(word) < 5:
        return 0
    return 1 if len(word) < 9 else 2


def distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of neighbours is one edit), capped at limit+1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def same_word(keyword: str, word: str) -> bool:
    """True when ``word`` (folded, stemmed) is ``keyword`` or a small typo of it."""
    if keyword == word:
        return True
    limit = tolerance(keyword)
    return limit > 0 and distance(keyword, word, limit) <= limit


@dataclass(frozen=True)
class Trigger:
    """One keyword of one service, as the stems of its words."""

    service: str
    stems: tuple[str, ...]

    def found_in(self, message: Sequence[str]) -> bool:
        size = len(self.stems)
        return any(
            all(
                same_word(k, w)
                for k, w in zip(self.stems, message[start : start + size], strict=True)
            )
            for start in range(len(message) - size + 1)
        )


class KeywordMatcher:
    """Ranks services by how many of their keywords a message contains."""

    def __init__(self, keywords: Iterable[tuple[str, Iterable[str]]]) -> None:
        self._triggers = [
            Trigger(service, tuple(stem(w) for w in words(keyword)))
            for service, service_keywords in keywords
            for keyword in service_keywords
            if words(keyword)
        ]

    def match(self, text: str) -> list[str]:
        """Services named by ``text``, most keywords first (ties keep the configured order)."""
        message = [stem(w) for w in words(text)]
        hits: dict[str, int] = {}
        for trigger in self._triggers:
            if trigger.found_in(message):
                hits[trigger.service] = hits.get(trigger.service, 0) + 1
        return sorted(hits, key=lambda service: -hits[service])
