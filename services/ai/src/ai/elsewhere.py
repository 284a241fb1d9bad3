"""Questions about another place: a shop or public office, or another parish's church.

The facts speak of the organisation's own places, so a question about somewhere
else still resembles one of them: "à quelle heure ferme la pharmacie du
village ?" shares the village and the opening hours with the fact about the
church's opening hours, and "les messes à la cathédrale de <ville>" shares the
Masses with the parish's own Mass times. Answering with them would be an
invented answer. Such a question is out of scope instead (:mod:`ai.topic`'s kind
reply), when:

* it names a place that is no parish's business (:data:`PLACES`: a pharmacy, the
  town hall, the station...), holds no word of parish life (a priest at the
  hospital is the parish's business) and the organisation's facts never name
  that place; or
* it names a church, a parish or a chapel by a proper name ("la cathédrale de
  Namur", "St Mary's church") that nothing in the organisation's facts holds.

Words are compared folded and stemmed (:mod:`concierge_common.french.text`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ai.topic import about_parish, unlike_parish
from concierge_common.french.text import stem, words

# Places no parish answers for, in French, English, Portuguese and Spanish.
PLACES = frozenset(
    stem(word)
    for word in words(
        "pharmacie mairie gare hopital clinique banque supermarche boulangerie cinema "
        "piscine musee bibliotheque mediatheque commissariat gendarmerie prefecture "
        "restaurant hotel camping dentiste medecin poste aeroport "
        "pharmacy drugstore townhall station hospital bank supermarket bakery cinema "
        "museum library airport "
        "farmacia prefeitura estacao banco padaria aeroporto "
        "ayuntamiento estacion panaderia"
    )
)

# A church, chapel or parish named by a proper name: "la cathédrale de Namur",
# "l'église Saint-Paul de Vence", "St Mary's church".
_CHURCH = (
    r"(?:[ée]glise|cath[ée]drale|basilique|chapelle|paroisse|sanctuaire|abbaye|"
    r"church|cathedral|chapel|parish|igreja|catedral|capela|par[óo]quia|iglesia|parroquia)"
)
_NAME = r"((?:[Ss](?:ain)?te?[- ])?[A-ZÀ-Ý][\w'’-]+)"
_NAMED_AFTER = re.compile(
    rf"\b{_CHURCH}\s+(?:de\s+la\s+|de\s+l['’]|du\s+|des\s+|de\s+|d['’]|of\s+|in\s+|da\s+|do\s+)?"
    + _NAME
)
_NAMED_BEFORE = re.compile(rf"{_NAME}(?:['’]s)?\s+(?:church|cathedral|chapel|parish)\b")


@dataclass(frozen=True)
class Known:
    """What the organisation's facts hold: their words' stems, and their words in order."""

    stems: frozenset[str]
    text: str  # the folded words, each between spaces


def elsewhere(question: str, known: Known) -> bool:
    """Whether ``question`` is about a place other than the organisation's own
    (``known``: :func:`known_words` of the organisation's facts)."""
    return _other_church(question, known) or _other_place(question, known)


def _other_place(question: str, known: Known) -> bool:
    said = words(question)
    if any(about_parish(word) for word in words(unlike_parish(question)) if len(word) >= 4):
        return False
    return any(stem(word) in PLACES and stem(word) not in known.stems for word in said)


def _other_church(question: str, known: Known) -> bool:
    names = [m[1] for m in _NAMED_AFTER.finditer(question)]
    names += [m[1] for m in _NAMED_BEFORE.finditer(question)]
    return any(not _is_known(name, known) for name in names)


def _is_known(name: str, known: Known) -> bool:
    """A proper name is known when the facts hold it, its words in the same order
    ("Saint-Jean" is not known from "Père Jean-Baptiste"); "St" stands for "saint"."""
    said = [_SAINT.get(word, word) for word in words(name)]
    return f" {' '.join(said)} " in known.text


_SAINT = {"st": "saint", "ste": "sainte"}


def known_words(texts: Iterable[str]) -> Known:
    """What ``texts`` (the organisation's facts) hold, computed once per set of texts."""
    return _known(tuple(texts))


@lru_cache(maxsize=4)
def _known(texts: tuple[str, ...]) -> Known:
    said = [word for text in texts for word in words(text)]
    return Known(frozenset(stem(word) for word in said), f" {' '.join(said)} ")
