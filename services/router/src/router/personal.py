"""Is a message about the person's own family ("ma fille", "Léa"), or general?

A role-gated service such as the catechism has general information anyone may
read (groups by age, calendar, inscriptions) and a family record only a verified
parent may read. The router asks for the code only when the question is about
the person's own children: a possessive before a child word ("mon fils", "nos
enfants"), a first name in the middle of a sentence ("le groupe de Léa"), or
"mon code". A first name counts only with a word of what a record holds (group,
catechist, next session, time, place). Losing one's code, registering, prices,
a child's age or joining are general questions.

Capitalised words that name the organisation's own places, churches and groups
("Vaise", "groupe Samuel") are not children: they are taken from its public
facts (:func:`organisation_names`), never written here, so the check works
the same for any parish.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from concierge_common.french.text import STOPWORDS, fold, words

_POSSESSIVES = frozenset({"mon", "ma", "mes", "notre", "nos", "my", "meu", "minha", "meus"})
_CHILDREN = frozenset(
    {
        "fils", "fille", "filles", "enfant", "enfants", "petit", "petite", "petits", "garcon",
        "garcons", "gamin", "gamins", "ado", "ados", "son", "daughter", "child", "children",
        "kids", "kid", "filho", "filha", "filhos", "code",
    }
)  # fmt: skip
# Questions anyone may ask, even about their own child: losing the code, registering, prices,
# an absence, baptism: the answer is the same for every family.
_GENERAL = frozenset(
    {
        "perdu", "oublie", "egare", "lost", "forgot", "perdi", "inscrire", "inscription",
        "inscriptions", "register", "tarif", "tarifs", "prix", "cout", "combien", "absent",
        "absente", "absence", "manque", "rattraper", "baptise", "baptisee", "malade",
        # an age, joining, starting: the answer is the parish's rules, the same for every child
        "ans", "age", "old", "rejoindre", "commencer", "debuter", "integrer", "join", "start",
    }
)  # fmt: skip
# What a family record holds: a child named with one of these asks about the record.
_RECORD = frozenset(
    {
        "groupe", "groupes", "catechiste", "catechistes", "animateur", "animatrice", "seance",
        "seances", "rencontre", "rencontres", "prochaine", "prochain", "prochaines",
        "calendrier", "fiche", "inscrit", "inscrite", "heure", "horaire", "horaires", "lieu",
        "ou", "salle", "cate", "catechisme", "catechese", "group", "catechist", "session",
        "sessions", "next", "schedule", "calendar",
    }
)  # fmt: skip
_REACH = 3  # words between the possessive and the child word
# A capitalised word after a word ("le groupe de Léa") or an elided "d'" ("le caté d'Arthur").
_NAME = re.compile(
    r"(?:(?<=[a-zà-ÿ,;:]\s)|(?<=\b[dD]['’]))([A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)?)"
)
_NOT_NAMES = frozenset(
    {
        "saint", "sainte", "noel", "paques", "toussaint", "avent", "careme", "pentecote",
        "dieu", "jesus", "marie", "eglise", "lundi", "mardi", "mercredi", "jeudi", "vendredi",
        "samedi", "dimanche", "mass", "easter", "christmas", "monday", "tuesday", "wednesday",
        "thursday", "friday", "saturday", "sunday", "hello", "church",
    }
)  # fmt: skip
# The verbs after which an opening capitalised word is the subject, so maybe a child.
_OPENING_NAME = re.compile(
    r"([A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)?)\s+(?:a|est|va|fait|doit|peut|aura|sera|"
    r"commence|reprend|finit)\b"
)
_CAPITALISED = re.compile(r"[A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)*")


def organisation_names(texts: Iterable[str]) -> frozenset[str]:
    """The capitalised words of the organisation's public texts, folded ("Vaise" -> "vaise").

    In a question they name its town, churches, rooms and groups, not a child.
    """
    return frozenset(
        fold(part)
        for text in texts
        for word in _CAPITALISED.findall(text)
        for part in word.split("-")
    )


def is_personal(text: str, known_words: Iterable[str] = ()) -> bool:
    """True when ``text`` asks about the person's own family rather than in general."""
    folded = words(text)
    if any(word in _GENERAL for word in folded):
        return False
    if _possessive_child(folded):
        return True
    if not any(word in _RECORD for word in folded):
        return False  # a name alone ("the match of Standard", "Mass on Sunday") is not enough
    ignored = _NOT_NAMES | {fold(word) for word in known_words}
    names = _NAME.findall(text) + _subject_name(text)
    return any(any(part not in ignored for part in fold(name).split("-")) for name in names)


def _subject_name(text: str) -> list[str]:
    """A first name opening the message as the subject of a verb ("Nathan a caté quand ?")."""
    found = _OPENING_NAME.match(text.strip())
    if found is None or fold(found.group(1)) in STOPWORDS:
        return []
    return [found.group(1)]


def _possessive_child(folded: list[str]) -> bool:
    return any(
        word in _POSSESSIVES and any(w in _CHILDREN for w in folded[i + 1 : i + 1 + _REACH])
        for i, word in enumerate(folded)
    )
