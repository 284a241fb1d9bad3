"""Which services a message names, from their trigger keywords.

People write on WhatsApp with or without accents, in capitals, in the plural and
with typos ("catéchisme", "CATECHISMES", "catechsime"). A keyword matches a
word of the message when both fold to the same stem, or when the word is a small
typo of the keyword (:mod:`concierge_common.french.typos`).
A keyword of several words ("code parent") matches those words in a row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from concierge_common.french.text import stem, words
from concierge_common.french.typos import near


@dataclass(frozen=True)
class Trigger:
    """One keyword of one service, as the stems of its words."""

    service: str
    stems: tuple[str, ...]

    def found_in(self, message: Sequence[str]) -> bool:
        size = len(self.stems)
        return any(
            all(near(w, k) for k, w in zip(self.stems, message[start : start + size], strict=True))
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
        hits = self.hits(text)
        return sorted(hits, key=lambda service: -hits[service])

    def hits(self, text: str) -> dict[str, int]:
        """How many keywords of each named service ``text`` contains (in configured order)."""
        message = [stem(w) for w in words(text)]
        hits: dict[str, int] = {}
        for trigger in self._triggers:
            if trigger.found_in(message):
                hits[trigger.service] = hits.get(trigger.service, 0) + 1
        return hits
