"""A question about what the organisation publishes only at another time.

"Le bazar de la fabrique, c'est-tu encore en fin de semaine ?" asks about an
event whose fact has ended (the autumn bazaar); "c'est quand le mercredi des
Cendres ?" about one whose fact is not published yet. No valid fact speaks of
the bazaar, so the best valid fact ("les messes de la fin de semaine") is found
by the question's other words: answering with it would be answering something
else. When the question (its own sentence, not the context before it) names a
word of the title of a fact valid at another time, which no valid fact holds
(title or text) and the fact found does not hold either, the question is not
answered from that fact. Titles only: a title names its subject ("Bazar
d'automne"), where a text holds everyday words ("commence", "samedi") that a
valid fact may happen to lack.

The out-of-date facts are read for their words only: nothing of them is ever
served (their validity is checked again by :mod:`ai.facts` for every answer).
"""

from __future__ import annotations

from collections.abc import Iterable

from ai.facts import Fact
from ai.lexicon import SYNONYM, document_terms, question_terms, relatedness
from ai.topic import vocabulary


def asks_another_time(
    question: str, answer: str, out_of_date: Iterable[Fact], valid: Iterable[Fact]
) -> bool:
    """Whether ``question`` names a subject that only ``out_of_date`` facts speak of, and
    that ``answer`` (the fact found) does not speak of either."""
    content, _ = question_terms(question)
    elsewhen = vocabulary(fact.title for fact in out_of_date)  # a title names the subject
    asked = [term for term in content if term in elsewhen]
    if not asked:
        return False
    # The valid facts' words are stemmed once per list (cached), the answer's once per text.
    now = vocabulary(f"{fact.title} {fact.content}" for fact in valid)
    spoken = now | frozenset(document_terms(answer))
    return any(not _near(spoken, term) for term in asked)


def _near(terms: frozenset[str], term: str) -> bool:
    """``term`` among ``terms``, a small typo of one of them or a synonym ("les ados" of a
    camp that has ended, and the youth group's "jeunes")."""
    return term in terms or any(relatedness(term, other) >= SYNONYM for other in terms)
