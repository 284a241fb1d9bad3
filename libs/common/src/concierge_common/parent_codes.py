"""New parent codes, strong enough that guessing is hopeless.

A code is three groups of four characters, ``K7PM-3QX9-HT4C``, drawn with the
``secrets`` module from 8 digits and 23 capital letters: no ``0``/``O`` nor
``1``/``I``/``L``, so a code read out on the phone or copied from paper has no
look-alikes. Each group holds at least one letter and one digit (drawn again
until it does, which keeps the draw uniform over such groups): the router tells
a code from words that way. That leaves 639,584 groups, about 19.3 bits each,
57.9 bits a code.

Two callers make codes: ``concierge codes generate`` (printed, for staff who
provision them by hand) and the store's ``family.issue_code`` (issued to a
family through the admin API, shown once and kept only as a keyed hash).
"""

from __future__ import annotations

import math
import secrets
import string

DIGITS = "23456789"
LETTERS = "".join(c for c in string.ascii_uppercase if c not in "ILO")
ALPHABET = DIGITS + LETTERS
GROUPS = 3
GROUP_LENGTH = 4


def _valid_group(group: str) -> bool:
    return any(c in DIGITS for c in group) and any(c in LETTERS for c in group)


def new_group() -> str:
    """Four characters of the alphabet with a digit and a letter among them."""
    while True:
        group = "".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH))
        if _valid_group(group):
            return group


def new_code() -> str:
    """A new strong code, ``XXXX-XXXX-XXXX``."""
    return "-".join(new_group() for _ in range(GROUPS))


def code_bits() -> float:
    """The entropy of a code, in bits."""
    size = len(ALPHABET) ** GROUP_LENGTH
    without_digit = len(LETTERS) ** GROUP_LENGTH
    without_letter = len(DIGITS) ** GROUP_LENGTH
    return GROUPS * math.log2(size - without_digit - without_letter)
