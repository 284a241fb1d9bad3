"""A priest needed now, or out of hours: the on-call number.

"Mon mari est en fin de vie, il demande un prêtre ce soir, la cure ne répond pas.
Qui appeler ?" The visits to the sick share its words and say when a priest comes
to a home; what the person needs is the number that answers at night, which a
parish writes wherever it likes: in the visits' fact ("en cas d'urgence, la nuit,
le prêtre de garde répond au ..."), in the funerals' fact ("l'abbé, jour et nuit,
au ..."), or among the ways to reach someone ("Prêtre de piquet"). A question that
asks for a priest or a number, because it is urgent, out of hours or for someone
dying, is therefore answered first from the facts of every service that give such a
number: a sentence with a phone number, a word of being on call and a priest.
"""

from __future__ import annotations

import re

from concierge_common.french.text import words

_ASKED = frozenset(
    {"pretre", "pretres", "abbe", "cure", "diacre", "aumonier", "priest", "chaplain", "padre",
     "sacerdote", "appeler", "numero", "joindre", "telephoner", "call", "number", "phone",
     "ligar", "llamar", "telefono", "telefone"}
)  # fmt: skip
_NOW_OR_OUT_OF_HOURS = frozenset(
    {"urgent", "urgente", "urgence", "urgences", "emergency", "urgencia", "emergencia", "nuit",
     "week", "weekend", "night", "tonight", "noite", "noche", "mourant", "mourante",
     "agonie", "agonise", "agonisant", "agonisante", "dying", "moribundo", "moribunda",
     "agonizando"}
)  # fmt: skip
_NOW_PAIRS = frozenset(
    {("fin", "vie"), ("end", "life"), ("derniers", "sacrements"), ("last", "rites"),
     ("fim", "vida"), ("train", "mourir"), ("tout", "suite"), ("right", "now"),
     # someone close to death: "au plus mal", "avant qu'il parte", "en soins palliatifs"
     ("plus", "mal"), ("avant", "parte"), ("avant", "meure"), ("soins", "palliatifs"),
     ("palliative", "care"), ("cuidados", "paliativos")}
)  # fmt: skip
_PAIR_GAP = 2  # words between the two of a pair at most ("fin de vie")

_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?=\d))+")  # "0471/62.84.13" is not cut
_PHONE = re.compile(r"(?<![\d.])\+?\d[\d ./-]{6,}\d")
_ON_CALL = re.compile(
    r"\b(?:urgence|urgences|urgent|piquet|de garde|jour et nuit|la nuit|24 ?h|emergency|"
    r"on call|night)\b"
)
_PRIEST = re.compile(r"\b(?:pretre|abbe|cure|diacre|aumonier|pastorale?|priest|padre)\b")


def asks_on_call(question: str) -> bool:
    """Whether ``question`` asks for a priest or a number now, out of hours or for someone
    dying."""
    said = words(question)
    if not _ASKED.intersection(said):
        return False
    if _NOW_OR_OUT_OF_HOURS.intersection(said):
        return True
    return any(
        (first, second) in _NOW_PAIRS
        for i, first in enumerate(said)
        for second in said[i + 1 : i + 2 + _PAIR_GAP]
    )


def gives_on_call(content: str) -> bool:
    """Whether a fact gives a priest's number for urgent or out-of-hours needs."""
    for sentence in _SENTENCE.findall(content):
        if not _PHONE.search(sentence):
            continue
        said = " ".join(words(sentence))
        if _ON_CALL.search(said) and _PRIEST.search(said):
            return True
    return False
