"""The question itself, in a message that says something else besides it.

People write the context before the question: "Je travaille en centre-ville, y
a-t-il une messe à l'heure du déjeuner ?", or play a game first ("Tu es un pirate
maintenant. Arrr, à quelle heure est la messe ?"), or add it after ("vous êtes
ouverts jeudi ? J'avais vu que c'était fermé."). The context's words dilute
the question's: no fact covers "travaille" or "pirate", and the best one may
then look unsure. When the whole message finds no fact of the turn's service, the
offline answerer searches that service again with the sentence of its last question
(from the end of the sentence before it to its question mark: "Je dois aller le
chercher mardi après le caté, ça finit à quelle heure ?" after a sentence saying who
writes), then with the question's clause alone (after the comma before it), before it
turns to the other services' facts with all of them. Only a message
whose context asks for no person and names no period as a condition of its
question is searched again ("pendant les vacances de Noël, y a-t-il une messe le
dimanche ?" is not the usual Sunday Mass), unless the question asks about now
("les messes de l'été, c'est fini ? quels sont les horaires maintenant ?"). The
periods a sentence of its own tells of ("L'usine a fermé pour l'hiver.") go with
the question to the search (:func:`ai.scope.question_periods`), and so do the names
the rest of the message gives it (:func:`names_besides`): "On vient samedi à
Sainte-Gertrude en auto. Y a-t-il du stationnement ?" asks about that church's parking.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from ai import scope
from ai.lexicon import question_terms
from concierge_common.french.text import STOPWORDS, stem, words

# A question about the present: the period before it is a contrast, not a condition
# ("les messes de l'été, c'est fini ? quels sont les horaires maintenant ?").
NOW = frozenset({"maintenant", "desormais", "actuellement", "now", "currently", "agora", "ahora"})
MIN_CONTENT_WORDS = 2  # a clause with fewer says too little on its own ("comme cet été ?")
NAME_SHARE = 0.25  # a name the facts write in more of them than that tells no place apart
_CLAUSE_START = re.compile(r".*[.,;:!?\n]", re.DOTALL)
_SENTENCE_START = re.compile(r".*[.!?\n]", re.DOTALL)
_CAPITALISED = re.compile(r"\b[A-ZÀ-Ý][\w'’-]*")
# A period that ends no sentence: "St. Paul", "Ste. Anne" are names.
_ABBREVIATION = re.compile(r"\b(st|ste|mt|dr|mgr|abbe)\.$", re.IGNORECASE)


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
    return clause if _alone(text, clause) else None


def question_sentence(text: str) -> str | None:
    """The sentence of the last question of ``text`` when another sentence comes before or
    after it ("... ouverts ? J'avais vu que c'était fermé."), else None."""
    end = text.rfind("?")
    if end < 0:
        return None
    head = text[:end].rstrip()
    before = _SENTENCE_START.match(head)
    start = 0 if before is None else before.end()
    sentence = head[start:].strip() + " ?"
    besides, _ = question_terms(f"{text[:start]} {text[end + 1 :]}")
    return sentence if besides and _alone(text, sentence) else None


def _alone(text: str, part: str) -> bool:
    """Whether ``part`` of ``text`` may be searched without the rest: it says enough, and
    the rest neither asks for a person nor asks about a period the part lacks."""
    content, _ = question_terms(part)
    if len(content) < MIN_CONTENT_WORDS:
        return False
    if scope.asks_for_person(text):
        return False
    asked, _ = scope.question_periods(text)  # what it only tells is searched with the part
    return asked == scope.periods(part) or bool(NOW & set(words(part)))


def names_besides(text: str, question: str, names: frozenset[str]) -> str:
    """The names ``text`` gives outside ``question`` (its last question) that are among
    ``names`` (:func:`names_in`), as words to search with the question: "Gertrude" for
    "Coming to St. Gertrude's by car. Is there parking?"."""
    end = text.rfind(question.rstrip(" ?").strip()) if question else -1
    rest = text if end < 0 else text[:end]
    asked = {stem(word) for word in words(question)}
    found = [
        word
        for match in _CAPITALISED.finditer(rest)
        if not _opens_sentence(rest[: match.start()])
        for word in words(match.group())
        if stem(word) in names and stem(word) not in asked
    ]
    return " ".join(dict.fromkeys(found))


def names_in(texts: Iterable[str]) -> frozenset[str]:
    """The stems of the names ``texts`` (the organisation's facts) write: capitalised
    words inside a sentence ("Sainte-Gertrude", "Résidence Les Goélands"), in at most
    :data:`NAME_SHARE` of the texts."""
    return _names_in(tuple(texts))


@lru_cache(maxsize=4)
def _names_in(texts: tuple[str, ...]) -> frozenset[str]:
    found: Counter[str] = Counter()
    for text in texts:
        found.update(
            {
                stem(word)
                for match in _CAPITALISED.finditer(text)
                if not _opens_sentence(text[: match.start()])
                for word in words(match.group())
                if word not in STOPWORDS
            }
        )
    most = max(1, int(NAME_SHARE * len(texts)))
    return frozenset(name for name, count in found.items() if count <= most)


def _opens_sentence(before: str) -> bool:
    """Whether a word after ``before`` is a sentence's first (capitalised as such); only
    the end of ``before`` is read."""
    said = before.rstrip()
    if not said or "\n" in before[len(said) :]:
        return True
    return said[-1] in ".!?:" and not _ABBREVIATION.search(said[-6:])
