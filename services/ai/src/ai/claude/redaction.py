"""Personal data taken out of what a person wrote before it is sent to Claude.

Claude does not need a person's e-mail address, phone number, IBAN or card
number to answer a parish question, so they are replaced by a placeholder
(``[e-mail]``, ``[téléphone]``, ``[IBAN]``, ``[carte]``). The organisation's own
contact details live in the facts, which are never redacted.
"""

from __future__ import annotations

import re

# Linear: an address starts where no address character precedes it (else every start
# inside a long word would be tried, each to the end of the word), and its parts are
# never given back (possessive).
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b", re.I)
CARD = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
# French numbers (06 12 34 56 78, +33 6 12 34 56 78, 0033...) and any other
# international one (+ then 8 to 15 digits, with spaces, dots or dashes).
PHONE = re.compile(
    r"(?:(?:\+|00)33[\s.-]?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b"
    r"|\+\d(?:[\s.-]?\d){7,14}\b"
)


def redact(text: str) -> str:
    """``text`` with e-mails, IBANs, card numbers and phone numbers replaced."""
    text = EMAIL.sub("[e-mail]", text)
    text = IBAN.sub(_iban, text)
    text = CARD.sub(_card, text)
    return PHONE.sub("[téléphone]", text)


def _iban(match: re.Match[str]) -> str:
    # At least half digits: "FR7630006000011234567890189", not a long word.
    raw = match.group(0).replace(" ", "")
    digits = sum(char.isdigit() for char in raw)
    return "[IBAN]" if digits * 2 >= len(raw) else match.group(0)


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[carte]" if luhn_valid(digits) else match.group(0)


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum of a card number (digits only)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0
