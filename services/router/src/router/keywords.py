"""Which services a message names, from their trigger keywords.

People write on WhatsApp with or without accents, in capitals, in the plural and
with typos ("catéchisme", "CATECHISMES", "catechsime"). A keyword matches a
word of the message when both fold to the same stem, or when the word is a small
typo of the keyword (:mod:`concierge_common.french.typos`).
A keyword of several words ("code parent") matches those words in a row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from concierge_common.french.text import stem, words
from concierge_common.french.typos import distance, same_start, tolerance


@dataclass(frozen=True)
class _Stem:
    """A keyword's stem with what :func:`concierge_common.french.typos.near` derives from
    it, computed once instead of for every word of every message."""

    text: str
    limit: int = field(init=False)
    letters: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "limit", tolerance(self.text))
        object.__setattr__(self, "letters", frozenset(self.text))

    def near(self, word: str) -> bool:
        """``near(word, self.text)``, with the same answer."""
        if word == self.text:
            return True
        limit = self.limit
        if limit == 0 or abs(len(word) - len(self.text)) > limit:
            return False
        if len(self.letters.symmetric_difference(word)) > 2 * limit:
            return False
        return same_start(word, self.text) and distance(word, self.text, limit) <= limit


@dataclass(frozen=True)
class Trigger:
    """One keyword of one service, as the stems of its words."""

    service: str
    stems: tuple[_Stem, ...]

    def found_in(self, message: Sequence[str], near: _Nearness) -> bool:
        """The keyword's words are near words of ``message`` in a row."""
        first, *rest = (near.words(k) for k in self.stems)
        if not first:
            return False
        size = len(self.stems)
        return any(
            message[start] in first
            and all(message[start + i] in after for i, after in enumerate(rest, start=1))
            for start in range(len(message) - size + 1)
        )


class _Nearness:
    """The words of one message near each keyword stem, looked for once per stem."""

    def __init__(self, message: Sequence[str], known: _KnownWords) -> None:
        self._stems = {word: known.stems_near(word) for word in set(message)}
        self._near: dict[str, frozenset[str]] = {}

    def words(self, keyword: _Stem) -> frozenset[str]:
        found = self._near.get(keyword.text)
        if found is None:
            found = frozenset(w for w, near in self._stems.items() if keyword.text in near)
            self._near[keyword.text] = found
        return found


class _KnownWords:
    """For each word already met, the keyword stems it is near.

    People reuse the same few hundred words, and comparing a word with every
    stem (typo distances) was most of the matcher's time: a word's answer is kept,
    up to ``capacity`` words (the oldest forgotten first).
    """

    def __init__(self, stems: Iterable[_Stem], capacity: int = 20_000) -> None:
        self._stems = {s.text: s for s in stems}
        self._capacity = capacity
        self._near: dict[str, frozenset[str]] = {}

    def stems_near(self, word: str) -> frozenset[str]:
        found = self._near.get(word)
        if found is None:
            found = frozenset(text for text, s in self._stems.items() if s.near(word))
            if len(self._near) >= self._capacity:
                del self._near[next(iter(self._near))]
            self._near[word] = found
        return found


class KeywordMatcher:
    """Ranks services by how many of their keywords a message contains."""

    def __init__(self, keywords: Iterable[tuple[str, Iterable[str]]]) -> None:
        # One trigger per service and stem sequence: "horaire" and "horaires" are one
        # keyword, or a message saying "horaires" once would name that service twice.
        stemmed = dict.fromkeys(
            (service, tuple(stem(w) for w in words(keyword)))
            for service, service_keywords in keywords
            for keyword in service_keywords
            if words(keyword)
        )
        self._triggers = [
            Trigger(service, tuple(_Stem(text) for text in stems)) for service, stems in stemmed
        ]
        self._known = _KnownWords(s for t in self._triggers for s in t.stems)

    def match(self, text: str) -> list[str]:
        """Services named by ``text``, most keywords first (ties keep the configured order)."""
        hits = self.hits(text)
        return sorted(hits, key=lambda service: -hits[service])

    def hits(self, text: str) -> dict[str, int]:
        """How many keywords of each named service ``text`` contains (in configured order)."""
        message = [stem(w) for w in words(text)]
        near = _Nearness(message, self._known)
        hits: dict[str, int] = {}
        for trigger in self._triggers:
            if trigger.found_in(message, near):
                hits[trigger.service] = hits.get(trigger.service, 0) + 1
        return hits
