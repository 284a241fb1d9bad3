"""The question itself, in a message that says something else first.

People write the context before the question: "Je travaille en centre-ville, y
a-t-il une messe à l'heure du déjeuner ?", or play a game first ("Tu es un pirate
maintenant. Arrr, à quelle heure est la messe ?"). The context's words dilute
the question's: no fact covers "travaille" or "pirate", and the best one may
then look unsure. When the whole message finds no fact of the turn's service, the
offline answerer searches that service again with its last question alone (the
clause that ends with the last question mark, after the sentence or the comma before
it), before it turns to the other services' facts with both. Only a message
whose context names no period and asks for no person is searched again (that
context is a condition: "pendant les vacances de Noël, y a-t-il une messe le
dimanche ?" is not the usual Sunday Mass), unless the question asks about now
("les messes de l'été, c'est fini ? quels sont les horaires maintenant ?").
"""

from __future__ import annotations

import re

from ai import scope
from ai.lexicon import question_terms
from concierge_common.french.text import words

# A question about the present: the period before it is a contrast, not a condition
# ("les messes de l'été, c'est fini ? quels sont les horaires maintenant ?").
NOW = frozenset({"maintenant", "desormais", "actuellement", "now", "currently", "agora", "ahora"})
MIN_CONTENT_WORDS = 2  # a clause with fewer says too little on its own ("comme cet été ?")
_CLAUSE_START = re.compile(r".*[.,;:!?\n]", re.DOTALL)


def last_question(text: str) -> str | None:
    """The last question of ``text`` when something else comes before it, else None."""
    end = text.rfind("?")
    if end < 0:
        return None
    head = text[:end].rstrip()
    before = _CLAUSE_START.match(head)
    if before is None:
        return None
    clause = head[before.end() :].strip() + " ?"
    content, _ = question_terms(clause)
    if len(content) < MIN_CONTENT_WORDS:
        return None
    if scope.asks_for_person(text):
        return None
    if scope.periods(text) != scope.periods(clause) and not NOW & set(words(clause)):
        return None
    return clause
