"""Finding the code a person typed in a message ("mon code : sm-4821 merci").

The store normalises and checks it (:data:`store_api.CODE_CLAIM`); the router
only extracts the most code-like token, so the code never reaches ai or a log.

Two formats: the strong codes of ``concierge codes generate``, three groups of
four letters and digits ("K7PM-3QX9-HT4C", "k7pm 3qx9 ht4c", "K7PM3QX9HT4C"),
looked for first; and the short codes the first families got, letters then
digits ("SM-4821"), or digits alone. Each group of a strong code holds a letter
and a digit (the generator sees to it), so words around a code ("code K7PM
3QX9") or three four-letter words in a row ("mais elle veut") are never taken
for one.
"""

from __future__ import annotations

import re

_SEPARATOR = r"[\s\-\u2010-\u2015\u2212_.]"
# Overlapping candidates (a lookahead): "code K7PM 3QX9 HT4C" is tried at each word.
_STRONG = re.compile(
    rf"(?<![\w])(?=([A-Za-z0-9]{{4}}){_SEPARATOR}?([A-Za-z0-9]{{4}}){_SEPARATOR}?"
    rf"([A-Za-z0-9]{{4}})(?![\w]))"
)
_STRONG_SPAN = re.compile(
    rf"[A-Za-z0-9]{{4}}{_SEPARATOR}?[A-Za-z0-9]{{4}}{_SEPARATOR}?[A-Za-z0-9]{{4}}"
)
# Letters, an optional separator, then digits ("SM-4821", "sm 4821", "SM4821"), or digits alone.
_SHORT = re.compile(rf"(?<![\w])([A-Za-z]{{1,4}}{_SEPARATOR}?\d{{3,8}}|\d{{4,8}})(?![\w])")
_LETTERS = re.compile(r"[A-Za-z]")
_DIGITS = re.compile(r"\d")


def find_code(text: str, *, digits_alone: bool = True) -> str | None:
    """The first code-like token of ``text`` (a strong code before a short one), or ``None``.

    ``digits_alone=False`` when no code was asked for: "2027" in a question is a
    year, not a code, so only letters-and-digits tokens count then.
    """
    for match in _STRONG.finditer(text):
        if all(_LETTERS.search(group) and _DIGITS.search(group) for group in match.groups()):
            span = _STRONG_SPAN.match(text, match.start())
            if span is not None:
                return span.group(0)
    for match in _SHORT.finditer(text):
        token = match.group(1)
        if digits_alone or _LETTERS.search(token):
            return token
    return None
