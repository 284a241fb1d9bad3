"""Answers to a verified parent about their own children, from their family record only.

The router puts the record of the family whose code the parent proved in
``GenerateReply.family`` (``{"family": ..., "parents": [...], "children":
[{"first_name", "last_name", "group", "catechist", "schedule", "next_sessions":
[...]}]}``); nothing here ever sees another family, and the family's own name is
never repeated.

A session of ``next_sessions`` is a day (``"2027-03-14"``), a day and a time
(``"2027-03-14T10:30"``), or an object ``{"date": "2027-03-14", "time":
"10:30", "end": "11:45", "place": "salle Saint-Joseph"}`` (time, end and place
optional): a parish's sessions do not all keep the schedule's hour and room,
and the answer says each one's ("samedi 14 mars à 10h30, salle Saint-Joseph").

What is asked is read from its words: the schedule ("horaire", "heure", "jour",
"quand"), the group, the catechist ("catéchiste", "qui"), the next sessions
("prochaine", "séance", "date", "calendrier", "rendez-vous", or a word of a
session's own label such as "préparation au baptême" with the child named, from
today on). A child named in the question narrows the answer to them; without any
of this, each child gets a one-line summary.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from ai.lexicon import question_terms
from concierge_common.french.text import fold, stem, words
from concierge_common.french.typos import near

log = logging.getLogger(__name__)

SCHEDULE, GROUP, CATECHIST, SESSIONS = "schedule", "group", "catechist", "sessions"
# Each aspect's words, in French (Québec's "catéchète" and a child's "sa madame" too),
# English, Portuguese and Spanish.
ASPECT_WORDS: dict[str, frozenset[str]] = {
    SCHEDULE: frozenset(
        {"horaire", "heure", "jour", "lieu", "salle", "endroit", "schedule", "hour", "time",
         "horario", "hora"}
    ),  # the schedule says where
    GROUP: frozenset({"groupe", "niveau", "classe", "group", "grupo", "parcours"}),
    CATECHIST: frozenset(
        {"catechiste", "catechete", "animateur", "animatrice", "responsable", "moniteur",
         "monitrice", "professeur", "prof", "madame", "catechist", "teacher", "leader",
         "leading", "leads", "runs", "catequista", "professora", "profesora"}
    ),
    SESSIONS: frozenset(
        {"prochain", "prochaine", "seance", "date", "calendrier", "rencontre", "rendez", "rdv",
         "planning", "programme", "agenda", "next", "session", "calendar", "proxima",
         "proximo", "encontro", "sesion"}
    ),
}  # fmt: skip
ALL_ASPECT_WORDS = frozenset(word for keys in ASPECT_WORDS.values() for word in keys)
# Used only when no other aspect word is there ("quand est la prochaine séance" is about sessions).
WEAK_WORDS = {
    "quand": SCHEDULE, "ou": SCHEDULE, "qui": CATECHIST, "when": SCHEDULE, "where": SCHEDULE,
    "who": CATECHIST, "quando": SCHEDULE, "onde": SCHEDULE, "quem": CATECHIST,
    "cuando": SCHEDULE, "donde": SCHEDULE, "quien": CATECHIST,
}  # fmt: skip
# Words of a question about the family as a whole, not about catechism in general.
FAMILY_WORDS = frozenset(
    stem(word)
    for word in words(
        "cate catechisme catechese enfant enfants fils fille filles famille gamin gamins "
        "nouvelles infos tout resume recapitulatif point fiche dossier "
        # what asking for a person's name says besides ("the name of the person leading")
        "nom name nome nombre personne person pessoa persona code "
        # asking for it: "donnez-moi la fiche de Maëlys" is not about giving to the parish
        "donnez donne envoyez envoie montrez montre redonnez dites dis"
    )
)
MAX_SESSIONS = 3

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


@dataclass(frozen=True)
class Session:
    """One dated session: its day, and its own hours and place when the record gives them."""

    day: date
    start: time | None = None
    end: time | None = None
    place: str = ""

    def __lt__(self, other: Session) -> bool:
        return (self.day, self.start or time.min) < (other.day, other.start or time.min)


@dataclass(frozen=True)
class Child:
    first_name: str
    group: str
    catechist: str
    schedule: str
    sessions: tuple[Session, ...]
    last_name: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def named_in(self, said: list[str]) -> bool:
        name = [stem(word) for word in words(self.first_name)]
        return bool(name) and all(any(near(w, part) for w in said) for part in name)


@dataclass(frozen=True)
class Question:
    aspects: tuple[str, ...]  # what is asked, in a fixed order
    children: tuple[Child, ...]  # the children it names (empty: none named)
    rest: tuple[str, ...]  # its other content words (a general catechism question)


def parse_children(record: Mapping[str, Any]) -> tuple[Child, ...]:
    """The children of a family record; malformed entries are skipped, never guessed."""
    children = record.get("children")
    if not isinstance(children, list):
        return ()
    parsed = [_child(entry) for entry in children if isinstance(entry, dict)]
    return tuple(child for child in parsed if child is not None)


def _child(entry: dict[str, Any]) -> Child | None:
    name = _text(entry.get("first_name"))
    if not name:
        return None
    raw = entry.get("next_sessions")
    sessions = [session_of(item) for item in raw] if isinstance(raw, list) else []
    return Child(
        first_name=name,
        group=_text(entry.get("group")),
        catechist=_text(entry.get("catechist")),
        schedule=_text(entry.get("schedule")),
        sessions=tuple(sorted(found for found in sessions if found is not None)),
        last_name=_text(entry.get("last_name")),
    )


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def session_of(value: object) -> Session | None:
    """A session of the record: ``"YYYY-MM-DD"``, ``"YYYY-MM-DDTHH:MM"`` or an object."""
    try:
        if isinstance(value, str):
            return _from_text(value)
        if isinstance(value, dict) and isinstance(value.get("date"), str):
            return Session(
                day=date.fromisoformat(value["date"]),
                start=_clock(value.get("time")),
                end=_clock(value.get("end")),
                place=_text(value.get("place")),
            )
    except ValueError:
        pass
    log.warning("family record has a session that is not a date, a date and time or an object")
    return None


def _from_text(value: str) -> Session:
    if "T" in value:
        moment = datetime.fromisoformat(value)
        return Session(moment.date(), moment.time().replace(second=0, microsecond=0))
    return Session(date.fromisoformat(value))


def _clock(value: object) -> time | None:
    """``"10:30"``, ``"10h30"`` or ``"10h"``; None when absent; ValueError when unreadable."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("not a time")
    hours, _, minutes = value.strip().lower().replace("h", ":").partition(":")
    return time(int(hours), int(minutes or 0))


def read(text: str, children: tuple[Child, ...]) -> Question:
    """What ``text`` asks about the family's ``children``."""
    said = [stem(word) for word in words(text)]
    aspects = tuple(a for a, keys in ASPECT_WORDS.items() if _any_near(said, keys))
    asked = bool(aspects)  # a word of the record ("séance", "catéchiste"), not just "quand"
    if not aspects:
        weak = {WEAK_WORDS[word] for word in said if word in WEAK_WORDS}
        aspects = tuple(a for a in ASPECT_WORDS if a in weak)
    elif _WHERE.search(text) and SCHEDULE not in aspects:
        aspects = (SCHEDULE, *aspects)  # "la prochaine séance ? et c'est où ?": its place
    if CATECHIST not in aspects and _asks_who(said):
        aspects = (*aspects, CATECHIST)  # "qui s'occupe du groupe de Gaspard ?"
    named = tuple(child for child in children if child.named_in(said))
    names = {stem(word) for child in named for word in words(child.first_name)}
    content, _ = question_terms(text)
    labels = _session_words(named)  # a child named: "la préparation au baptême de Lou"
    rest = tuple(
        term
        for term in content
        if term not in names
        and term not in FAMILY_WORDS
        and term not in labels
        and not _any_near([term], ALL_ASPECT_WORDS)
    )
    if not named and asked:  # "l'animateur du groupe de confirmation de mon fils"
        named = tuple(c for c in children if _group_words((c,)) & set(rest))
    groups = _group_words(named)
    days = [term for term in rest if _is_day(term)]
    own = (days or asked) and all(_is_day(t) or t in groups for t in rest)
    if labels & set(content) or (named and rest and own):
        rest = ()  # "Maëlys a caté mercredi prochain ?", "la prochaine séance d'éveil de Hugo"
        aspects = tuple(a for a in ASPECT_WORDS if a in aspects or a == SESSIONS)
    elif named and asked and len(rest) == 1:
        rest = ()  # one word more ("Beatriz a caté quand la prochaine fois ?"): the record's
    return Question(aspects, named, rest)


_WHO = frozenset(word for word, aspect in WEAK_WORDS.items() if aspect == CATECHIST)
_WHO_AFTER = frozenset({"c", "est", "et", "and", "y", "e"})  # "c'est qui", "et qui l'anime"


def _asks_who(said: list[str]) -> bool:
    """Whether the question asks who ("qui s'occupe de…", "c'est qui sa catéchiste ?"), not a
    relative "qui" ("la séance qui vient")."""
    return any(
        word in _WHO and (i == 0 or said[i - 1] in _WHO_AFTER) for i, word in enumerate(said)
    )


_DAY_WORDS = frozenset(
    stem(word)
    for word in words(" ".join((*WEEKDAYS, *MONTHS, "semaine week-end demain aujourd'hui")))
)


_WHERE = re.compile(r"(?i)\boù\b|\bwhere\b|\bonde\b|\bdónde\b")  # "ou" alone is "or"


def _is_day(term: str) -> bool:
    """A weekday, a month or a number: a day of the calendar."""
    return term in _DAY_WORDS or term.isdigit()


def _session_words(children: tuple[Child, ...]) -> frozenset[str]:
    """The content words of the children's sessions' own places and labels ("rencontre de
    préparation au baptême"): a question naming the child and holding them is about the
    child's sessions."""
    places = " ".join(session.place for child in children for session in child.sessions)
    return _record_words(places)


def _group_words(children: tuple[Child, ...]) -> frozenset[str]:
    """The content words of the children's groups ("Éveil à la foi"): with a day or a
    word of the record, a question naming the child is about them ("Enzo a éveil ce
    samedi ?", "la prochaine séance d'éveil de Hugo"); alone they may be a general
    question ("la première communion de Manon ?")."""
    return _record_words(" ".join(child.group for child in children))


def _record_words(text: str) -> frozenset[str]:
    content, _ = question_terms(text)
    return frozenset(
        word
        for word in content
        if word not in FAMILY_WORDS and not _any_near([word], ALL_ASPECT_WORDS)
    )


def _any_near(said: list[str], keys: frozenset[str]) -> bool:
    return any(near(word, key) for word in said for key in keys)


def answer(question: Question, children: tuple[Child, ...], today: date) -> str:
    """The answer about the children ``question`` names (all of them when none is named)."""
    concerned = question.children or children
    if not question.aspects:
        return "\n".join(_summary(child, today) for child in concerned)
    lines = [_aspect(aspect, child, today) for child in concerned for aspect in question.aspects]
    return "\n".join(lines)


def next_sessions(children: tuple[Child, ...], today: date) -> str:
    """Each child's next sessions (at most :data:`MAX_SESSIONS`), a line per child."""
    return "\n".join(_aspect(SESSIONS, child, today) for child in children)


def _summary(child: Child, today: date) -> str:
    parts = [part for part in (child.group, _with(child.catechist), child.schedule) if part]
    line = f"{child.first_name} : {', '.join(parts)}." if parts else f"{child.first_name}."
    upcoming = _upcoming(child, today)[:1]
    if upcoming:
        line += f" Prochaine séance : {french_session(upcoming[0], today)}."
    return line


def _with(catechist: str) -> str:
    return f"avec {catechist}" if catechist else ""


def _aspect(aspect: str, child: Child, today: date) -> str:
    name = child.first_name
    unknown = f"{name} : je n'ai pas cette information, l'accueil paroissial pourra vous la donner."
    if aspect == SCHEDULE:
        return f"{name} a caté {child.schedule}." if child.schedule else unknown
    if aspect == GROUP:
        return f"{name} est dans le groupe : {child.group}." if child.group else unknown
    if aspect == CATECHIST:
        return f"Catéchiste {_of(name)} : {child.catechist}." if child.catechist else unknown
    upcoming = _upcoming(child, today)[:MAX_SESSIONS]
    if not upcoming:
        return f"{name} : aucune prochaine séance n'est encore inscrite au calendrier."
    days = [french_session(session, today) for session in upcoming]
    comma = "; " if any(session.place for session in upcoming) else ", "  # places hold commas
    listed = days[0] if len(days) == 1 else f"{comma.join(days[:-1])} et {days[-1]}"
    label = "Prochaine séance" if len(days) == 1 else "Prochaines séances"
    return f"{label} {_of(name)} : {listed}."


def _of(name: str) -> str:
    """ "de Maëlys", "d'Enzo": French elides "de" before a vowel."""
    return f"d'{name}" if fold(name[:1]) in tuple("aeiouy") else f"de {name}"


def _upcoming(child: Child, today: date) -> tuple[Session, ...]:
    return tuple(session for session in child.sessions if session.day >= today)


def french_session(session: Session, today: date) -> str:
    """``samedi 14 mars à 10h30, salle Saint-Joseph`` (what the record gives of it)."""
    text = french_date(session.day, today)
    if session.start is not None:
        text += f" à {session.start.hour}h{session.start.minute:02d}".replace("h00", "h")
    return f"{text}, {session.place}" if session.place else text


def french_date(day: date, today: date) -> str:
    """``mercredi 2 décembre`` (``vendredi 1er janvier 2027`` in another year than today's)."""
    number = "1er" if day.day == 1 else str(day.day)
    text = f"{WEEKDAYS[day.weekday()]} {number} {MONTHS[day.month - 1]}"
    return text if day.year == today.year else f"{text} {day.year}"
