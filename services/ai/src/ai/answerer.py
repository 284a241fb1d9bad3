"""Answers and answerers: the interface, and the lexical answerer over the store's facts.

An :class:`Answerer` turns one turn of a conversation into an :class:`Answer`,
or ``None`` when it has nothing sure to say (the caller then hands the person
to a human instead of guessing). Claude and the offline answerer plug in
behind the same interface.

:class:`FactAnswerer` answers with the content of the fact most relevant to the
question when it is relevant enough. The turn's service's facts are searched
first; when none answers, the other services' facts are (given
:class:`ai.facts.ServiceNames`): a question routed by one of its words to a
service that does not hold the answer ("l'aumônerie des lycéens, c'est
quand ?" sent to the catechism while the parish files it under general
information) is still answered, since every fact is public information (a
family's own record is not a fact, and never searched here). With a :class:`ai.hybrid.HybridRanker`
(the offline default), embeddings and lexical signals decide together
(:mod:`ai.hybrid`). Without one, the lexical ranking alone does
(:mod:`ai.ranking`): the best fact's score must reach ``min_score`` and it must
cover at least ``min_coverage`` of what the question is about. Either way,
when two facts are about equally relevant ("horaires des messes": Sunday and
weekday Masses) both are given, each under its title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Protocol

from ai import hybrid
from ai.facts import Fact, FactSource, ServiceNames
from ai.hybrid import HybridRanker
from ai.joining import allows_late_join, asks_late_join
from ai.language import phrase, written_in
from ai.lexicon import document_terms, question_terms
from ai.on_call import gives_on_call
from ai.prices import asks_price, prices_subject
from ai.ranking import Document, Index, Match
from concierge_common.contracts.messages import GenerateReply
from concierge_common.french.text import words

MIN_COVERAGE = 0.5
CLOSE_RATIO = 0.8  # a second fact is given too when it scores this close to the best
MAX_FACTS = 2

GREETINGS = frozenset(
    {"bonjour", "bonsoir", "salut", "hello", "coucou", "bjr", "slt", "hi", "ola", "hola"}
)
THANKS = frozenset(
    {
        "merci",
        "mercii",
        "thanks",
        "top",
        "parfait",
        "super",
        "ok",
        "obrigado",
        "obrigada",
        "gracias",
    }
)
COURTESY = frozenset(
    {"a", "tous", "madame", "monsieur", "pere", "beaucoup", "bien", "la", "le", "vous", "svp"}
)
WELCOME = phrase("welcome", "fr")
YOU_ARE_WELCOME = phrase("you_are_welcome", "fr")

Kind = Literal["fact", "family", "courtesy", "out_of_scope"]


@dataclass(frozen=True)
class Answer:
    text: str
    kind: Kind
    sources: tuple[str, ...] = ()  # ids of the facts it comes from (for the logs)
    # The facts hold the question's words (lexically confident) or their titles one of
    # them: not found by meaning alone.
    worded: bool = True


@dataclass(frozen=True)
class HandOff:
    """A decision to give the turn to a human: ``reason`` is the code the store records
    (``person_asked``, ``ai_unavailable``...), ``summary`` a sentence for staff, ``reply``
    what the person is told first instead of the reason's apology (an urgent need
    still gets the facts that help at once, such as the duty priest's number)."""

    reason: str
    summary: str = ""
    reply: str = ""


class Answerer(Protocol):
    async def answer(self, turn: GenerateReply) -> Answer | HandOff | None:
        """The answer to ``turn``; a :class:`HandOff` when a human should take over for a
        known reason; ``None`` when there is nothing sure to say (a handoff too)."""
        ...


def turn_text(turn: GenerateReply) -> str:
    """Every text of the turn, oldest first, as one question."""
    return "\n".join(turn.turn_texts())


class FactAnswerer:
    """Answers from the valid facts of the turn's service."""

    def __init__(
        self,
        facts: FactSource,
        *,
        min_score: float = 1.0,
        min_coverage: float = MIN_COVERAGE,
        ranker: HybridRanker | None = None,
        services: ServiceNames | None = None,
    ) -> None:
        self._facts = facts
        self._services = services
        self._min_score = min_score
        self._min_coverage = min_coverage
        self._ranker = ranker

    async def find(self, service: str, text: str) -> Answer | None:
        """The answer to ``text`` from ``service``'s facts, else the other services', or None."""
        found = await self.find_own(service, text)
        return found if found is not None else await self.find_elsewhere(service, text)

    async def find_own(
        self, service: str, text: str, *, told: frozenset[str] = frozenset()
    ) -> Answer | None:
        """The answer to ``text`` from ``service``'s facts alone, or None; ``told``: the
        periods the rest of the person's message tells of, when ``text`` is only its
        question (ai.scope.question_periods)."""
        return await self._find_in(await self._facts.facts(service), text, told=told)

    async def find_elsewhere(
        self, service: str, text: str, *, told: frozenset[str] = frozenset()
    ) -> Answer | None:
        """The answer to ``text`` from the other services' facts, or None."""
        if self._services is None:
            return None
        return await self._find_in(await self._other_facts(service), text, told=told)

    async def find_beyond(
        self, service: str, text: str, *, told: frozenset[str] = frozenset()
    ) -> Answer | None:
        """The answer to ``text`` from every service's facts ranked together, when it
        holds none of ``service``'s own and the question names the subject (a title word)
        of each fact it holds: "les rencontres de l'aumônerie des ados ?" asked of the
        catechism, whose stages only name the chaplaincy, is the chaplaincy's fact."""
        own = {fact.id for fact in await self._facts.facts(service)}
        facts = {fact.id: fact for fact in await self.every_fact(service)}
        found = await self._find_in(list(facts.values()), text, told=told)
        if found is None or own.intersection(found.sources):
            return None
        asked = set(question_terms(text)[0])
        titled = all(_titled(_document(facts[key]), asked) for key in found.sources)
        return found if titled else None

    async def every_fact(self, service: str) -> list[Fact]:
        """The valid facts of ``service`` and of the organisation's other services."""
        return await self._facts.facts(service) + await self._other_facts(service)

    async def find_on_call(self, service: str, text: str) -> Answer | None:
        """The answer to ``text`` from the facts of every service that give an on-call
        priest's number (ai.on_call), or None when no fact gives one."""
        facts = [fact for fact in await self.every_fact(service) if gives_on_call(fact.content)]
        return await self._find_in(facts, text, best_at_least=True)

    async def _other_facts(self, service: str) -> list[Fact]:
        if self._services is None:
            return []
        others = [name for name in await self._services.names() if name != service]
        return [fact for name in others for fact in await self._facts.facts(name)]

    async def _find_in(
        self,
        found: list[Fact],
        text: str,
        *,
        best_at_least: bool = False,
        told: frozenset[str] = frozenset(),
    ) -> Answer | None:
        # "Combien coûte un baptême ?" is answered only by the facts giving a baptism's
        # price; naming the subject beside an amount, they need no more confidence.
        priced = asks_price(text)
        if priced:
            found = [
                f for f in found if prices_subject(text, f.title, f.service, f.content)
            ] or await self._priced_elsewhere(found, text)
        # "Est-il trop tard pour l'inscrire ?": the facts saying when one may join, if any
        # (the facts are read only for a question that asks it).
        joining = (
            [f for f in found if allows_late_join(f.title, f.content)]
            if asks_late_join(text)
            else []
        )
        late = bool(joining)
        if late:
            found = joining
        facts = {fact.id: fact for fact in found}
        documents = [_document(f) for f in facts.values()]
        keys, worded = await self._chosen(
            documents, text, best_at_least=best_at_least or priced or late, told=told
        )
        if not keys:
            return None
        picked = [facts[key] for key in keys]
        return Answer(_compose(picked), "fact", tuple(fact.id for fact in picked), worded)

    async def _priced_elsewhere(self, found: list[Fact], text: str) -> list[Fact]:
        """The facts stating the price of what the question is about, when no fact states
        it in the question's words: "les rencontres des 4-7 ans, on doit débourser ?" is
        about the éveil à la foi (the fact the question finds), whose price the enrolment
        fact gives ("l'éveil à la foi est gratuit")."""
        facts = {fact.id: fact for fact in found}
        keys, _ = await self._chosen([_document(f) for f in facts.values()], text)
        if len(keys) != 1:
            return []
        subject = _PARENTHESIS.sub(" ", facts[keys[0]].title)
        return [
            f
            for f in found
            if f.id != keys[0] and prices_subject(subject, f.title, f.service, f.content)
        ]

    async def _chosen(
        self,
        documents: list[Document],
        text: str,
        *,
        best_at_least: bool = False,
        told: frozenset[str] = frozenset(),
    ) -> tuple[list[str], bool]:
        """The keys of the documents to answer with, and whether they hold its words; with
        ``best_at_least``, the best ranked one when none is confident enough."""
        if not documents:
            return [], True
        if self._ranker is None:
            ranked = Index(documents).rank(text)
            matches = self.choose(ranked) or (ranked[:1] if best_at_least else [])
            return [match.document.key for match in matches], True
        ranker = self._ranker
        ranking = await ranker.rank(documents, text, told=told)
        chosen = hybrid.choose(ranking, ranker.calibration.min_probability)
        if not chosen and best_at_least:
            chosen = ranking.candidates[:1]
        asked = set(question_terms(text)[0])
        worded = all(
            (c.lexical is not None and ranker.confident(c.lexical)) or _titled(c.document, asked)
            for c in chosen
        )
        return [candidate.document.key for candidate in chosen], worded

    def choose(self, ranked: list[Match]) -> list[Match]:
        """The confident matches worth giving, best first (empty: decline)."""
        confident = [
            match
            for match in ranked
            if match.score >= self._min_score and match.coverage >= self._min_coverage
        ]
        if not confident:
            return []
        best = confident[0].score
        return [match for match in confident if match.score >= CLOSE_RATIO * best][:MAX_FACTS]


def _titled(document: Document, asked: set[str]) -> bool:
    """The question names the document's subject: a word of its title ("j'ai perdu le
    code" and "Le code famille")."""
    return bool(asked & set(document_terms(document.title)))


_PROPER = re.compile(r"[A-ZÀ-Ý][\w'’-]*")  # a capitalised word


_PARENTHESIS = re.compile(r"\([^)]*\)")  # "Éveil à la foi (4 à 7 ans)": the ages aside


def _document(fact: Fact) -> Document:
    return Document(fact.id, fact.service, fact.title, fact.content, fact.valid_to is None)


def _compose(facts: list[Fact]) -> str:
    if len(facts) == 1 and not _title_tells_more(facts[0]):
        return facts[0].content
    return "\n\n".join(f"{fact.title} : {fact.content}" for fact in facts)


def _title_tells_more(fact: Fact) -> bool:
    """The title names a place or a person its text leaves out ("Église de l'Assomption
    (Chésalles-le-Pont)" and a text that never names the village): a lone fact is then
    given with its title."""
    _, _, rest = fact.title.partition(" ")  # its first word is capitalised anyway
    names = " ".join(_PROPER.findall(rest))
    return not set(document_terms(names)) <= set(document_terms(fact.content))


def courtesy(text: str) -> Answer | None:
    """A short polite answer to a bare greeting or thanks, else ``None``."""
    said = [word for word in words(text) if word not in COURTESY]
    if not said or len(said) > 3:
        return None
    if all(word in GREETINGS for word in said):
        return Answer(phrase("welcome", written_in(text)), "courtesy")
    if all(word in THANKS or word in GREETINGS for word in said):
        return Answer(phrase("you_are_welcome", written_in(text)), "courtesy")
    return None
