"""Finding the code a person typed in a message ("mon code : sm-4821 merci").

The store normalises and checks it (:data:`store_api.CODE_CLAIM`); the router
only extracts the most code-like token, so the code never reaches ai or a log.

An organisation may hand out codes of its own format, so none is assumed. Two
shapes are looked for:

- *mixed codes*, looked for first: one to four groups of letters and digits, each
  group holding both a letter and a digit, joined by single separators or typed
  together, eight characters at least. The strong codes of ``concierge codes
  generate`` ("K7PM-3QX9-HT4C", "k7pm 3qx9 ht4c", "K7PM3QX9HT4C") are such codes,
  and so are other formats ("7HQM4K-P2WR9C", "tx3n8d q5lv2h"). A group that
  holds no digit or no letter belongs to the code only when joined to a mixed
  group by a dash, a dot or an underscore, not by a space ("ABCDEF-4K7PM2"), so
  the words around a code ("code K7PM 3QX9") and words in a row ("mais elle
  veut") are never taken for one; times ("18h30-19h45") are not codes either;
- *short codes*, the ones the first families got: letters then digits
  ("SM-4821"), or digits alone. A word and a number typed apart ("en 2028",
  "c'est 300 $", "the 1500") are a sentence, not a code: letters that are a
  short word of a sentence do not open a short code when a space follows them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SEPARATOR = r"[\s\-\u2010-\u2015\u2212_.]"
_GROUP = re.compile(r"[A-Za-z0-9]+")
_JOINED = re.compile(rf"{_SEPARATOR}")  # exactly one separator between two groups
_SPACE = re.compile(r"\s")
_TIME = re.compile(r"\d{1,2}[hH]\d{0,2}")
_MIN_MIXED = 8  # characters of a mixed code, separators left out
_MAX_GROUPS = 4
# Letters, an optional separator, then digits ("SM-4821", "sm 4821", "SM4821"), or digits alone.
_SHORT = re.compile(rf"(?<![\w])([A-Za-z]{{1,4}}{_SEPARATOR}?\d{{3,8}}|\d{{4,8}})(?![\w])")
_LETTERS = re.compile(r"[A-Za-z]")
_LEADING_LETTERS = re.compile(r"[A-Za-z]+")
# Short words a number follows in a sentence (French, English, Portuguese, Spanish).
_SENTENCE_WORDS = frozenset(
    {"a", "au", "aux", "c", "ce", "d", "de", "des", "du", "en", "est", "et", "l", "la", "le",
     "les", "n", "ou", "s", "t", "un", "une", "vers", "dans", "pour", "par", "sur", "avec",
     "sans", "sous", "fin", "mi", "ans", "an", "jour", "mois", "the", "in", "on", "at", "of",
     "to", "by", "for", "is", "was", "are", "and", "or", "from", "em", "no", "na", "os", "as",
     "e", "o", "el", "los", "del", "y", "al", "con", "ha", "tem"}
)  # fmt: skip
_DIGITS = re.compile(r"\d")


@dataclass(frozen=True)
class _Group:
    start: int
    end: int
    mixed: bool  # a letter and a digit
    time: bool  # "18h30", "9h": a time when alone, maybe a group of a code


def find_code(text: str, *, digits_alone: bool = True) -> str | None:
    """The first code-like token of ``text`` (a mixed code before a short one), or ``None``.

    ``digits_alone=False`` when no code was asked for: "2027" in a question is a
    year, not a code, so only letters-and-digits tokens count then.
    """
    mixed = _mixed_code(text)
    if mixed is not None:
        return mixed
    for match in _SHORT.finditer(text):
        token = match.group(1)
        if _a_word_then_a_number(token):
            continue
        if digits_alone or _LETTERS.search(token):
            return token
    return None


def _a_word_then_a_number(token: str) -> bool:
    """ "en 2028": a short word of a sentence, a space, then a number."""
    letters = _LEADING_LETTERS.match(token)
    if letters is None or not token[letters.end() :][:1].isspace():
        return False
    return letters.group(0).lower() in _SENTENCE_WORDS


def _mixed_code(text: str) -> str | None:
    """The first run of joined groups that holds a mixed code."""
    run: list[_Group] = []
    for group in _groups(text):
        if run and not _joined(text, run[-1], group):
            found = _code_in(text, run)
            if found is not None:
                return found
            run = []
        run.append(group)
    return _code_in(text, run) if run else None


def _groups(text: str) -> list[_Group]:
    groups = []
    for match in _GROUP.finditer(text):
        token = match.group(0)
        mixed = bool(_LETTERS.search(token) and _DIGITS.search(token))
        groups.append(_Group(match.start(), match.end(), mixed, bool(_TIME.fullmatch(token))))
    return groups


def _joined(text: str, left: _Group, right: _Group) -> bool:
    """One separator between the groups; a space only between two mixed groups."""
    between = text[left.end : right.start]
    if not _JOINED.fullmatch(between):
        return False
    return not _SPACE.fullmatch(between) or (left.mixed and right.mixed)


def _code_in(text: str, run: list[_Group]) -> str | None:
    """The longest stretch of ``run`` (up to four groups, one mixed and not a time at
    least) that is long enough for a mixed code; the earliest one when several are as
    long."""
    best: tuple[int, int, int] | None = None  # size, first group, last group
    for first in range(len(run)):
        for last in range(first, min(len(run), first + _MAX_GROUPS)):
            stretch = run[first : last + 1]
            size = sum(group.end - group.start for group in stretch)
            if size < _MIN_MIXED or not any(g.mixed and not g.time for g in stretch):
                continue
            if best is None or size > best[0]:
                best = (size, first, last)
    return None if best is None else text[run[best[1]].start : run[best[2]].end]
