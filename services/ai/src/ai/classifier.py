"""``intent.classify``: which offered service a message is about, when it is clear.

Every offered service brings its valid facts and a description document (its
name and keywords as title, its description as text); all of them are ranked
together (:mod:`ai.ranking`, so word rarity is shared), and each service takes
the score of its best confident document. The best service is returned when
its score reaches ``min_score`` and ``margin`` times the runner-up's; else the
router does not get a guess (``service=None``).

With a :class:`ai.hybrid.HybridRanker` (the offline default), the same documents
are ranked by embeddings and lexical signals together, and a service's
likelihood is the sum of its documents' probabilities: the best service is
returned when it reaches ``min_probability``. Messages without a single
keyword ("où se garer ?", "my baby's christening") then find their service.
A document whose text another service holds too (the office's hours, for
information and for reaching a person) shares its probability between them.
"""

from __future__ import annotations

import asyncio
import logging

from ai import metrics
from ai.facts import FactSource
from ai.hybrid import HybridRanker
from ai.ranking import Document, Index
from concierge_common.bus.rpc import Operation
from concierge_common.contracts import ai_api
from concierge_common.french.text import words

log = logging.getLogger(__name__)

MIN_COVERAGE = 0.5
SHINGLE = 3  # words in a row compared to find the same text in two services
COPIED = 0.8  # share of the shorter text's word triples found in the other one


class IntentClassifier:
    """Answers ``intent.classify`` from the offered services' facts and descriptions."""

    def __init__(
        self,
        facts: FactSource,
        *,
        min_score: float,
        margin: float,
        ranker: HybridRanker | None = None,
        min_probability: float = 0.6,
    ) -> None:
        self._facts = facts
        self._min_score = min_score
        self._margin = margin
        self._ranker = ranker
        self._min_probability = min_probability

    def operations(self) -> list[Operation]:
        return [Operation(ai_api.CLASSIFY, ai_api.ClassifyRequest, self.classify)]

    async def classify(self, request: ai_api.ClassifyRequest) -> ai_api.ClassifyResult:
        if self._ranker is not None:
            return await self._classify_hybrid(request, self._ranker)
        scores = await self.scores(request)
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        best_name, best = ranked[0] if ranked else ("", 0.0)
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        if best < self._min_score or best < self._margin * second:
            metrics.CLASSIFICATIONS.labels("unsure").inc()
            return ai_api.ClassifyResult(service=None)
        metrics.CLASSIFICATIONS.labels("chosen").inc()
        log.info("message classified", extra={"service": best_name})
        return ai_api.ClassifyResult(service=best_name, confidence=round(1 - second / best, 3))

    async def _classify_hybrid(
        self, request: ai_api.ClassifyRequest, ranker: HybridRanker
    ) -> ai_api.ClassifyResult:
        likelihoods = await self.likelihoods(request, ranker)
        best_name, best = max(likelihoods.items(), key=lambda item: item[1], default=("", 0.0))
        if best < self._min_probability:
            metrics.CLASSIFICATIONS.labels("unsure").inc()
            return ai_api.ClassifyResult(service=None)
        metrics.CLASSIFICATIONS.labels("chosen").inc()
        log.info("message classified", extra={"service": best_name})
        return ai_api.ClassifyResult(service=best_name, confidence=round(best, 3))

    async def likelihoods(
        self, request: ai_api.ClassifyRequest, ranker: HybridRanker
    ) -> dict[str, float]:
        """Each offered service's probability of being what the request's text is about."""
        documents = await self._documents(request.services)
        ranking = await ranker.rank(documents, request.text)
        holders = _holders(documents)
        likelihoods = {choice.name: 0.0 for choice in request.services}
        for candidate in ranking.candidates:
            groups = holders[candidate.document.key]
            for group in groups:
                likelihoods[group] += candidate.probability / len(groups)
        return likelihoods

    async def scores(self, request: ai_api.ClassifyRequest) -> dict[str, float]:
        """Each offered service's best confident score for the request's text."""
        documents = await self._documents(request.services)
        scores = {choice.name: 0.0 for choice in request.services}
        for match in Index(documents).rank(request.text):
            group = match.document.group
            if match.coverage >= MIN_COVERAGE and match.score > scores[group]:
                scores[group] = match.score
        return scores

    async def _documents(self, choices: list[ai_api.ServiceChoice]) -> list[Document]:
        facts = await asyncio.gather(*(self._facts.facts(choice.name) for choice in choices))
        documents = [
            Document(f"service:{choice.name}", choice.name, _title(choice), choice.description)
            for choice in choices
        ]
        for service_facts in facts:
            documents += [Document(f.id, f.service, f.title, f.content) for f in service_facts]
        return documents


def _holders(documents: list[Document]) -> dict[str, set[str]]:
    """The services holding each document's information: its own, and those with a copy.

    The same text in two services ("the office's opening hours", for information
    and for reaching a person) says nothing about which one a question is for.
    """
    shingles = {doc.key: _shingles(doc.body) for doc in documents}
    return {
        doc.key: {doc.group}
        | {
            other.group
            for other in documents
            if other.group != doc.group and _copied(shingles[doc.key], shingles[other.key])
        }
        for doc in documents
    }


def _shingles(text: str) -> set[tuple[str, ...]]:
    said = words(text)
    return {tuple(said[i : i + SHINGLE]) for i in range(len(said) - SHINGLE + 1)}


def _copied(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> bool:
    """Most of the shorter text is in the other one."""
    smaller = min(len(a), len(b))
    return smaller > 0 and len(a & b) >= COPIED * smaller


def _title(choice: ai_api.ServiceChoice) -> str:
    return " ".join((choice.name.replace("_", " "), *choice.keywords))
