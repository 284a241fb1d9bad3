"""What staff type in the staff chat, parsed into one command.

``H7K2P votre réponse`` or ``#H7K2P: ...`` answers that handoff;
``H7K2P fin`` / ``H7K2P bot`` gives the conversation back to the assistant;
``H7K2P clore`` closes it; ``H7K2P prendre`` assigns it to the writer;
``H7K2P`` alone shows it; ``liste`` and ``aide`` list open handoffs and help.
Case, accents, spaces and punctuation around the words do not matter. Anything
else is :class:`Unknown` (answered with the help text, never dropped).
A reply keeps the staff's text exactly as typed (accents, case, line breaks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from concierge_common.french.text import words

# "H" + 4 letters or digits, optionally "#H7K2P", "[H7K2P]", "(H7K2P)", then a separator.
_ADDRESSED = re.compile(
    r"^\s*[#\[(]?\s*(?P<ref>[Hh][A-Za-z0-9]{4})\s*[\])]?(?:[\s:,.;!?>\-–—]+(?P<rest>.*))?$",
    re.DOTALL,
)

_RETURN = frozenset({"fin", "bot", "robot", "assistant", "retour", "rendre", "terminer", "termine"})
_CLOSE = frozenset({"clore", "clos", "close", "cloture", "cloturer", "fermer", "ferme"})
_ASSIGN = frozenset({"prendre", "prends", "pris", "moi"})
_LIST = frozenset({"liste", "list", "lister", "ls", "demandes", "attente"})
_HELP = frozenset({"aide", "help", "commandes", "menu"})


@dataclass(frozen=True)
class Reply:
    reference: str
    text: str


@dataclass(frozen=True)
class ReturnToBot:
    reference: str


@dataclass(frozen=True)
class Close:
    reference: str


@dataclass(frozen=True)
class Assign:
    reference: str


@dataclass(frozen=True)
class Show:
    reference: str


@dataclass(frozen=True)
class ListOpen:
    pass


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Unknown:
    pass


StaffCommand = Reply | ReturnToBot | Close | Assign | Show | ListOpen | Help | Unknown


def parse(text: str) -> StaffCommand:
    """The command ``text`` stands for (never raises)."""
    said = words(text)
    if len(said) == 1 and said[0] in _LIST:
        return ListOpen()
    if (len(said) == 1 and said[0] in _HELP) or text.strip() == "?":
        return Help()
    match = _ADDRESSED.match(text)
    if match is None:
        return Unknown()
    return _addressed(match.group("ref").upper(), (match.group("rest") or "").strip())


def _addressed(reference: str, rest: str) -> StaffCommand:
    said = words(rest)
    if not said:
        return Show(reference)
    command = " ".join(said)
    if command in _RETURN or command in {"rendre au bot", "retour au bot", "au bot"}:
        return ReturnToBot(reference)
    if command in _CLOSE:
        return Close(reference)
    if command in _ASSIGN or command in {"je prends", "je la prends", "pour moi"}:
        return Assign(reference)
    return Reply(reference, rest)
