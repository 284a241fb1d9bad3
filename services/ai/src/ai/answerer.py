"""The foundation's answerer: keyword overlap over a small set of facts.

It answers a greeting with a short welcome, a question with the fact that
shares the most keywords with it, and returns ``None`` when nothing matches
well enough, so that the caller hands the person to a human instead of
guessing. Claude and the embedding-based offline answerer replace it in
issue #5.
"""

from __future__ import annotations

from dataclasses import dataclass

from ai.facts import Fact
from concierge_common.text import fold, stem, terms

GREETINGS = frozenset({"bonjour", "bonsoir", "salut", "hello", "coucou", "bjr", "slt", "hi"})
WELCOME = (
    "Bonjour et bienvenue ! Je suis l'assistant de la paroisse. Je peux vous renseigner "
    "sur les horaires des messes, l'accueil, les baptêmes, les mariages, le catéchisme "
    "et les confessions. Quelle est votre question ?"
)
HANDING_OFF = (
    "Je n'ai pas d'information fiable pour vous répondre. Je transmets votre message à "
    "l'équipe paroissiale, qui vous répondra ici dès que possible."
)
NOT_TEXT = (
    "Je ne sais lire que les messages écrits pour le moment. Pouvez-vous écrire votre question ?"
)


@dataclass(frozen=True)
class Answer:
    text: str
    fact_id: str | None


class KeywordAnswerer:
    """Picks the best matching fact, or declines."""

    def __init__(self, facts: tuple[Fact, ...], *, min_score: float = 1.0) -> None:
        self._facts = [(fact, {stem(fold(word)) for word in fact.keywords}) for fact in facts]
        self._min_score = min_score

    def answer(self, text: str) -> Answer | None:
        words = terms(text)
        best: tuple[float, Fact] | None = None
        for fact, keywords in self._facts:
            score = float(len(words & keywords))
            if score and (best is None or score > best[0]):
                best = (score, fact)
        if best is not None and best[0] >= self._min_score:
            return Answer(best[1].answer, best[1].id)
        if _is_greeting(text):
            return Answer(WELCOME, None)
        return None


def _is_greeting(text: str) -> bool:
    words = fold(text).replace("!", " ").replace(",", " ").split()
    return bool(words) and len(words) <= 4 and words[0] in GREETINGS
