"""How relevant each document (a fact, a service's description) is to a question.

A BM25-like score over two fields: each word of the question adds, for the
document word it is best related to (:func:`ai.lexicon.relatedness`), that word's
rarity among the documents (idf: "messe" says less than "chorale") times how
present it is in the document (title words count double, more in a short
title; repeats in the text add less and less). ``coverage`` is the share of
the question's content words, weighted by rarity, that the document has:
words no document knows weigh :data:`UNKNOWN_WEIGHT`, so "quel temps fera-t-il
demain" never looks covered by a fact that happens to contain "temps". In a question
written in another language, such a word is most often one the lexicon cannot read
("bank" of "is there a food bank?"), not a subject the facts lack: it weighs
:data:`UNREAD_WEIGHT`. A word the lexicon reads ("español", "espagnol") still weighs
:data:`UNKNOWN_WEIGHT`: the facts would name that subject if they had it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ai.lexicon import SYNONYMS, document_terms, question_terms, relatedness
from concierge_common.french.languages import FRENCH, written_in

TITLE_WEIGHT = 2.0
SATURATION = 1.2
UNKNOWN_WEIGHT = 2.0
UNREAD_WEIGHT = 0.5

Expansion = dict[str, float]  # document word -> relatedness to one question word


@dataclass(frozen=True)
class Document:
    key: str  # a fact id, or a service name for its description
    group: str  # the service it belongs to
    title: str
    body: str
    lasting: bool = True  # False: a fact valid until a date (the holidays' closure)


@dataclass(frozen=True)
class Match:
    document: Document
    score: float
    coverage: float


@dataclass(frozen=True)
class _Indexed:
    document: Document
    title: frozenset[str]
    body: Counter[str]
    title_weight: float  # higher for a short title: "Mariage" is all about marriage


class Index:
    """The documents of one question's candidates, ready to be ranked."""

    def __init__(self, documents: Sequence[Document]) -> None:
        titles = [frozenset(document_terms(doc.title)) for doc in documents]
        mean = sum(map(len, titles)) / len(titles) if titles else 1.0
        self._docs = [
            _Indexed(
                doc,
                title,
                Counter(document_terms(doc.body)),
                TITLE_WEIGHT * math.sqrt(mean / max(len(title), 1)),
            )
            for doc, title in zip(documents, titles, strict=True)
        ]
        frequency: Counter[str] = Counter()
        for doc in self._docs:
            frequency.update(doc.title | doc.body.keys())
        count = len(self._docs)
        self._idf = {
            term: math.log(1 + (count - df + 0.5) / (df + 0.5)) for term, df in frequency.items()
        }

    def rank(self, text: str) -> list[Match]:
        """Documents sharing at least a word with ``text``, most relevant first."""
        content, neutral = question_terms(text)
        expansions = {term: self._expand(term) for term in (*content, *neutral)}
        unknown = UNKNOWN_WEIGHT if written_in(text) == FRENCH else UNREAD_WEIGHT
        weights = {
            term: self._weight(expansions[term], UNKNOWN_WEIGHT if term in SYNONYMS else unknown)
            for term in content
        }
        total = sum(weights.values())
        matches: list[Match] = []
        for doc in self._docs:
            score, covered = 0.0, 0.0
            for term, expansion in expansions.items():
                points = self._points(expansion, doc)
                score += points
                if points and term in weights:
                    covered += weights[term]
            if score > 0:
                matches.append(Match(doc.document, score, covered / total if total else 0.0))
        return sorted(matches, key=lambda match: -match.score)

    def _expand(self, query: str) -> Expansion:
        expansion: Expansion = {}
        for term in self._idf:
            related = relatedness(query, term)
            if related:
                expansion[term] = related
        return expansion

    def _weight(self, expansion: Expansion, unknown: float) -> float:
        if not expansion:
            return unknown
        return max(related * self._idf[term] for term, related in expansion.items())

    def _points(self, expansion: Expansion, doc: _Indexed) -> float:
        best = 0.0
        for term, related in expansion.items():
            presence = (doc.title_weight if term in doc.title else 0.0) + _saturated(doc.body[term])
            if presence:
                best = max(best, related * self._idf[term] * presence)
        return best


def _saturated(count: int) -> float:
    """1 for one occurrence, then less and less for each repeat (at most 1 + SATURATION)."""
    return count * (SATURATION + 1) / (count + SATURATION) if count else 0.0
