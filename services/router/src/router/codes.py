"""Finding the code a person typed in a message ("mon code : sm-4821 merci").

The store normalises and checks it (:data:`store_api.CODE_CLAIM`); the router
only extracts the most code-like token, so the code never reaches ai or a log.
"""

from __future__ import annotations

import re

# Letters, an optional separator, then digits ("SM-4821", "sm 4821", "SM4821"), or digits alone.
_CODE = re.compile(r"(?<![\w])([A-Za-z]{1,4}[\s\-\u2010-\u2015\u2212_.]?\d{3,8}|\d{4,8})(?![\w])")
_LETTERS = re.compile(r"[A-Za-z]")


def find_code(text: str, *, digits_alone: bool = True) -> str | None:
    """The first code-like token of ``text``, or ``None``.

    ``digits_alone=False`` when no code was asked for: "2027" in a question is a
    year, not a code, so only letters-and-digits tokens count then.
    """
    for match in _CODE.finditer(text):
        token = match.group(1)
        if digits_alone or _LETTERS.search(token):
            return token
    return None
