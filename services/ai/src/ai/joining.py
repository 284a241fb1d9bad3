"""Joining late: "est-il trop tard pour inscrire notre fille au caté ?".

A family that moves in during the year, or hears of the catechism in November,
asks whether the child can still join. The catechism's facts that share the
question's words (who it is for, its days and times, the end-of-year calendar)
say nothing of it; the one that answers is the fact saying when one may join:
"à tout moment de l'année", "toute l'année", "un enfant peut rejoindre un groupe
en cours d'année". A question that asks to join late is therefore searched first
among the facts saying both that one joins (enrols, registers) and that it can be
done during the year; when no fact says so, the search goes on as for any question.
"""

from __future__ import annotations

import re

from concierge_common.french.text import words

# Joining, in the four languages (folded words).
_JOIN = frozenset(
    {"inscrire", "inscris", "inscrit", "inscrite", "inscription", "inscriptions", "rejoindre",
     "rejoint", "integrer", "commencer", "join", "enrol", "enroll", "register", "registration",
     "inscrever", "inscricao", "entrar", "inscribir", "inscribirse", "inscripcion", "apuntar"}
)  # fmt: skip
# Lateness: "trop tard", "encore", "en cours d'année"; not "la rentrée", which is as often
# the next year's start ("les inscriptions pour la rentrée d'août, c'est quand ?").
_LATE_WORDS = frozenset({"tard", "encore", "late", "still", "ainda", "tarde", "todavia"})
_LATE_PHRASES = ("en cours d annee", "milieu d annee", "deja commence", "already started")
# What a fact writes when joining is possible whenever, or until a month of the year
# ("jusqu'à la fin de janvier", "jusqu'au 31 janvier", "until the end of January").
_MONTH = (
    r"(?:janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|"
    r"decembre|january|february|march|april|may|june|july|august|september|october|"
    r"november|december)"
)
_ANYTIME = re.compile(
    r"\b(?:en cours d annee|a tout moment|toute l annee|tout au long de l annee|"
    r"n importe quand|at any time|any time|during the year|a qualquer momento|"
    r"en cualquier momento|durante todo el ano|"
    rf"(?:jusqu a|jusqu au|jusqu en|until)(?: la fin| the end)?(?: de| d| of)?(?: \d+)? {_MONTH})\b"
)


def asks_late_join(question: str) -> bool:
    """Whether ``question`` asks if one can still join (enrol) at this point of the year."""
    said = words(question)
    if not _JOIN.intersection(said):
        return False
    joined = " ".join(said)
    return bool(_LATE_WORDS.intersection(said)) or any(p in joined for p in _LATE_PHRASES)


def allows_late_join(title: str, content: str) -> bool:
    """Whether a fact says that one joins, and that it can be done during the year."""
    said = words(f"{title} {content}")
    joined = " ".join(said)
    joins = bool(_JOIN.intersection(said)) or "se joindre" in joined
    return joins and bool(_ANYTIME.search(joined))
