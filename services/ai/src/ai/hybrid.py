"""Which documents a question is about: embeddings and lexical signals together.

Neither signal is enough alone. Words miss paraphrases and other languages
("où se garer ?" for the access fact, "my baby's christening" for baptism);
the embedding model sees them, but its raw cosine similarities are squeezed
together (0.78 to 0.94) whatever the question, on topic or not, and a question
in English is less similar to French texts, relevant or not.

Similarities are therefore measured around unrelated text: every question
vector loses the mean vector of a fixed set of everyday French texts
(:data:`BACKGROUND`) embedded as questions, every document vector the mean of
the same texts embedded as documents, and both are normalised again. What all
texts share (the model's common direction, the language) goes; what a question
shares with one document stays, spread over about -0.1 to 0.7.

Each document then gets a logit: ``similarity / temperature`` plus
``lexical_weight`` times its lexical evidence, which is the share of the
question's words it covers (:mod:`ai.ranking`) times its score relative to the
best: in full for documents that are lexically confident (score and coverage
at least ``min_score`` and ``min_coverage``), up to :data:`UNSURE_EVIDENCE` for
the others with a score of at least ``min_score`` and a coverage of at least
:data:`UNSURE_COVERAGE`. One more candidate
stands for "none of them", with the similarity ``unrelated_similarity``. A
softmax over all of them gives each document the probability that it is what
the question is about.

:func:`choose` answers with the most likely document when its probability
reaches ``min_probability``, and with the two best when they together reach
it and the second is about as probable while "none of them" is unlikely
("my baby's christening": the two baptism facts), or both are lexically
confident and close ("horaires des messes": Sunday and weekday). When none is
probable enough, the one document holding every word of the question answers
alone if no other holds most of them: the embeddings of a short SMS ("ya t il
messe jeudi") may see nothing that its words do not. It declines otherwise,
and also when the question names a period the chosen documents do not, when the
rest of the message tells of a period they are not bound to (the winter timetable
for "nous venons en juillet"), or when it asks to talk to someone (:mod:`ai.scope`).
A temporary fact chosen alone for a question that names no period comes with the
lasting fact the words put close to it: the office's hours with its closure for
the holidays.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from ai import metrics, scope
from ai.embeddings import Embedder, Vector
from ai.lexicon import document_terms, question_terms
from ai.ranking import Document, Index, Match
from concierge_common.french.typos import near

log = logging.getLogger(__name__)

Array = npt.NDArray[np.float64]

CLOSE_RATIO = 0.8  # probability, or lexical score, of a second document given with the first
PAIR_SHARE = 0.2  # least probability of a lexically close second, as a share of the first's
PAIR_UNRELATED = 0.1  # most probability of "none of them" for two about as probable facts
UNSURE_EVIDENCE = 0.35  # most lexical evidence of a document that is not lexically confident
UNSURE_COVERAGE = 0.3  # and the least share of the question it must cover to get any
COMPLETE = 0.95  # lexical evidence and coverage of a document holding the whole question
RIVAL_COVERAGE = 0.75  # and the most another document may cover for it to answer alone
AGREED_PROBABILITY = 0.4  # least probability of a best document the words also put first
AGREED_LEAD = 1.2  # by this much at least over any other document's word score
AGREED_WORDS = 4.0  # and with at least this word score (a name in common is not enough)
LASTING_SHARE = 0.6  # least word score of a lasting fact given with a temporary one, as a share

# Everyday French texts about nothing an organisation's facts would cover: the
# question's similarity to them is its level of similarity to unrelated text.
BACKGROUND: tuple[str, ...] = (
    "Faites revenir les oignons dans le beurre, ajoutez la crème et laissez mijoter.",
    "Le match s'est terminé sur un score nul, deux buts partout, devant un stade comble.",
    "Demain, le temps sera nuageux le matin avec des éclaircies l'après-midi.",
    "Votre forfait mobile comprend les appels illimités et 100 Go de données.",
    "Le garage propose la révision complète du véhicule et le changement des pneus.",
    "Ce roman raconte l'histoire d'une famille de marins bretons au siècle dernier.",
    "La pharmacie de garde est indiquée sur la porte de l'officine et sur internet.",
    "Le loyer est payable le cinq de chaque mois, charges comprises, par virement.",
    "Au menu de la cantine cette semaine : lasagnes, poisson pané et salade de fruits.",
    "Taillez les rosiers à la fin de l'hiver et arrosez les tomates le soir.",
    "Le musée présente une exposition de peinture impressionniste jusqu'en mars.",
    "La déclaration de revenus se fait en ligne avant la fin du mois de mai.",
    "Le train partira avec un retard de quinze minutes à cause de travaux sur la voie.",
    "Mettez à jour votre ordinateur et redémarrez-le pour installer les correctifs.",
    "La salle de sport est équipée de vélos, de tapis de course et d'une piscine.",
    "Le magasin propose des soldes sur les vêtements d'hiver et les chaussures.",
)


@dataclass(frozen=True)
class Calibration:
    """How the two signals are weighed and when the best document is sure enough."""

    temperature: float = 0.03
    lexical_weight: float = 6.0
    unrelated_similarity: float = 0.32
    min_probability: float = 0.6
    min_score: float = 1.0
    min_coverage: float = 0.5


@dataclass(frozen=True)
class Candidate:
    document: Document
    similarity: float  # cosine between the question and the document
    lexical: Match | None  # None: no word in common
    evidence: float  # lexical evidence in [0, 1] (0: not lexically confident)
    probability: float


@dataclass(frozen=True)
class Ranking:
    candidates: list[Candidate]  # most probable first
    unrelated: float  # probability that the question is about none of them
    periods: frozenset[str] = frozenset()  # the periods the question names (ai.scope)
    wants_person: bool = False  # the question asks to talk to someone
    # When the question names a period: the documents sharing a word with the rest of
    # it (None: no period named, or nothing else asked).
    beyond_periods: frozenset[str] | None = None
    told: frozenset[str] = frozenset()  # the periods the message tells besides its question


def passage_text(document: Document) -> str:
    """What is embedded of a document: its title, then its text."""
    return f"{document.title}\n{document.body}"


class HybridRanker:
    """Ranks documents for a question with an :class:`Embedder` and :class:`ai.ranking.Index`."""

    def __init__(self, embedder: Embedder, calibration: Calibration) -> None:
        self._embedder = embedder
        self.calibration = calibration
        self._centres: tuple[Vector, Vector] | None = None  # questions', documents'

    async def rank(
        self, documents: Sequence[Document], text: str, *, told: frozenset[str] = frozenset()
    ) -> Ranking:
        """The documents for ``text``, most probable first; ``told``: periods the rest of
        the person's message tells of, besides the ones ``text`` tells itself."""
        if not documents:
            return Ranking([], 1.0)
        similarity = await self.similarities(documents, text)
        lexical = _lexical(documents, text)
        calibration = self.calibration
        evidence = (  # a weight of 0 turns the lexical signals off
            self._evidence(documents, lexical)
            if calibration.lexical_weight
            else np.zeros(len(documents))
        )
        temperature = calibration.temperature
        logits = np.append(
            similarity / temperature + calibration.lexical_weight * evidence,
            calibration.unrelated_similarity / temperature,
        )
        probabilities = _softmax(logits)
        candidates = [
            Candidate(
                doc,
                float(similarity[i]),
                lexical.get(doc.key),
                float(evidence[i]),
                float(probabilities[i]),
            )
            for i, doc in enumerate(documents)
        ]
        candidates.sort(key=lambda candidate: -candidate.probability)
        periods, own_told = scope.question_periods(text)
        return Ranking(
            candidates,
            float(probabilities[-1]),
            periods,
            scope.asks_for_person(text),
            _beyond_periods(documents, text) if periods else None,
            (own_told | told) - periods,
        )

    async def similarities(self, documents: Sequence[Document], text: str) -> Array:
        """The centred cosine similarity of ``text`` to each document."""
        questions, passages = await self._centre_vectors()
        question = _unit(await self._embedder.query(text) - questions)
        vectors = await self._embedder.passages([passage_text(doc) for doc in documents])
        result: Array = (_unit(vectors - passages) @ question).astype(np.float64)
        return result

    async def warm_up(self, documents: Sequence[Document]) -> None:
        """Embed the background and ``documents`` now rather than on the first question."""
        await self._centre_vectors()
        await self._embedder.passages([passage_text(doc) for doc in documents])

    async def _centre_vectors(self) -> tuple[Vector, Vector]:
        if self._centres is None:
            # Computed once; two first turns at the same time compute the same values.
            questions = [await self._embedder.query(text) for text in BACKGROUND]
            passages = await self._embedder.passages(BACKGROUND)
            self._centres = (np.mean(questions, axis=0), passages.mean(axis=0))
        return self._centres

    def _evidence(self, documents: Sequence[Document], lexical: dict[str, Match]) -> Array:
        """Each document's lexical evidence: coverage x score / best score.

        A lexically confident document gets all of it. A long question in everyday
        words ("je travaille le matin, y a-t-il une messe le dimanche soir ?") covers
        less than half of any fact, yet its rare words may all be in one: such a
        document gets its evidence too, up to :data:`UNSURE_EVIDENCE` (a confident
        document's can reach 1), when it covers at least :data:`UNSURE_COVERAGE` of
        the question (one word of "le caté fait-il une sortie au ski ?" is not enough).
        """
        calibration = self.calibration
        scores = np.zeros(len(documents))
        coverage = np.zeros(len(documents))
        confident = np.zeros(len(documents), dtype=bool)
        for i, doc in enumerate(documents):
            match = lexical.get(doc.key)
            if match is not None and match.score >= calibration.min_score:
                scores[i], coverage[i] = match.score, match.coverage
                confident[i] = self.confident(match)
        best = scores.max()
        if best <= 0:
            return scores
        evidence: Array = coverage * scores / best
        unsure = np.where(coverage >= UNSURE_COVERAGE, np.minimum(evidence, UNSURE_EVIDENCE), 0.0)
        result: Array = np.where(confident, evidence, unsure)
        return result

    def confident(self, match: Match) -> bool:
        """The lexical rule alone: enough score and enough of the question covered."""
        calibration = self.calibration
        return match.score >= calibration.min_score and match.coverage >= calibration.min_coverage


def choose(ranking: Ranking, min_probability: float) -> list[Candidate]:
    """The candidates to answer with, best first; empty when none is sure enough."""
    candidates = ranking.candidates
    if not candidates:
        metrics.count_choice("unrelated")
        return []
    if ranking.wants_person:
        metrics.count_choice("person")
        return []
    best = candidates[0]
    second = candidates[1] if len(candidates) > 1 else None
    paired = second is not None and _pair(best, second, ranking.unrelated)
    chosen = [best, second] if paired and second is not None else [best]
    if sum(candidate.probability for candidate in chosen) < min_probability:
        whole = _whole_question(candidates) or _agreed(candidates)
        if whole is None:
            unrelated = ranking.unrelated >= best.probability
            metrics.count_choice("unrelated" if unrelated else "ambiguous")
            return []
        chosen = [whole]
    if len(chosen) == 1 and not ranking.periods:
        chosen = _with_lasting(chosen[0], candidates)
    if ranking.beyond_periods is not None and not all(
        candidate.document.key in ranking.beyond_periods for candidate in chosen
    ):
        metrics.count_choice("period")
        return []
    if not all(_in_period(candidate.document, ranking) for candidate in chosen):
        metrics.count_choice("period")
        return []
    metrics.count_choice("confident")
    return chosen


def _whole_question(candidates: list[Candidate]) -> Candidate | None:
    """The one document holding every word of the question, when no other holds most of
    them: "ya t il messe jeudi" and the weekday Masses, which the embeddings of such a
    short SMS do not see."""
    whole = [c for c in candidates if c.evidence >= COMPLETE]
    if len(whole) != 1:
        return None
    rivals = [c for c in candidates if c is not whole[0] and _coverage(c) >= RIVAL_COVERAGE]
    return None if rivals or _coverage(whole[0]) < COMPLETE else whole[0]


def _agreed(candidates: list[Candidate]) -> Candidate | None:
    """The most probable document when the words also put it clearly first: two signals
    that agree make an answer as sure as one strong signal ("un party de Noël avec le
    caté ?" and the catechism's Christmas party, which the embeddings alone gave 0.53)."""
    best = candidates[0]
    if best.probability < AGREED_PROBABILITY or not best.evidence or best.lexical is None:
        return None  # no evidence: the words cover too little of the question, or are off
    if best.lexical.score < AGREED_WORDS:
        return None  # "le parvis fleuri pour la Saint-Jean ?" and Father Jean-Baptiste
    others = (c.lexical.score for c in candidates[1:] if c.lexical is not None)
    return best if best.lexical.score >= AGREED_LEAD * max(others, default=0.0) else None


def _with_lasting(best: Candidate, candidates: list[Candidate]) -> list[Candidate]:
    """A temporary fact with the lasting one it is an exception to, for a question that
    names no period: "le bureau est ouvert vendredi ?" in December gets the office's
    hours and its closure for the holidays, not the closure alone. The lasting fact is
    the most probable one the words also put close to the temporary fact."""
    if best.document.lasting or best.lexical is None or not best.evidence:
        return [best]
    least = LASTING_SHARE * best.lexical.score
    for candidate in candidates:
        lexical = candidate.lexical
        lasting = candidate.document.lasting and candidate.evidence
        if lasting and lexical is not None and lexical.score >= least:
            return [best, candidate]
    return [best]


def _coverage(candidate: Candidate) -> float:
    return candidate.lexical.coverage if candidate.lexical is not None else 0.0


def _pair(best: Candidate, second: Candidate, unrelated: float) -> bool:
    """The second is about as probable (and the question surely about one of them), or
    both are lexically confident and close."""
    if second.probability >= CLOSE_RATIO * best.probability and unrelated <= PAIR_UNRELATED:
        return True
    if not (best.evidence and second.evidence) or best.lexical is None or second.lexical is None:
        return False
    close = second.lexical.score >= CLOSE_RATIO * best.lexical.score
    return close and second.probability >= PAIR_SHARE * best.probability


def _in_period(document: Document, ranking: Ranking) -> bool:
    """The document speaks of the periods the question asks about, and is not bound to
    periods other than the ones the message tells of. A lasting fact that says in which
    months or seasons something happens ("chapelle ouverte seulement l'été") also
    answers for the others ("ouverte en décembre ?": no, in summer only)."""
    named = _periods(document)
    if not scope.fits(named, ranking.told):
        return False
    if document.lasting and scope.seasonal(named) and scope.seasonal(ranking.periods):
        return True
    return scope.covers(named, ranking.periods)


def _periods(document: Document) -> frozenset[str]:
    return scope.periods(passage_text(document))


def _beyond_periods(documents: Sequence[Document], text: str) -> frozenset[str] | None:
    """The documents holding a word of what ``text`` asks besides its periods, as
    written or misspelt (a synonym is not enough: the caté's Christmas celebration is
    not the Christmas Masses); ``None`` when the question asks nothing else. A fact that
    only names the same holidays ("pas de caté pendant les vacances de la Toussaint")
    does not answer "l'accueil est-il ouvert pendant les vacances de la Toussaint ?"."""
    asked, _ = question_terms(scope.beyond_periods(text))
    if not asked:
        return None
    return frozenset(doc.key for doc in documents if _holds_any(asked, _terms(doc)))


@lru_cache(maxsize=4096)
def _terms(document: Document) -> frozenset[str]:
    """A document's words, stemmed once per document rather than once per question."""
    return frozenset(document_terms(passage_text(document)))


def _holds_any(asked: list[str], terms: frozenset[str]) -> bool:
    return any(word in terms or any(near(word, term) for term in terms) for word in asked)


def _lexical(documents: Sequence[Document], text: str) -> dict[str, Match]:
    return {match.document.key: match for match in Index(documents).rank(text)}


def _unit(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    result: npt.NDArray[np.float32] = vectors / np.maximum(norms, 1e-12)
    return result


def _softmax(logits: Array) -> Array:
    exponentials = np.exp(logits - logits.max())
    result: Array = exponentials / exponentials.sum()
    return result
