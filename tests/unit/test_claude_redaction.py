"""Personal data is taken out of what a person wrote before Claude reads it."""

from __future__ import annotations

import pytest

from ai.claude.redaction import luhn_valid, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("appelez-moi au 06 12 34 56 78 svp", "appelez-moi au [téléphone] svp"),
        ("mon 06.12.34.56.78", "mon [téléphone]"),
        ("mon 0612345678", "mon [téléphone]"),
        ("+33 6 12 34 56 78 merci", "[téléphone] merci"),
        ("0033612345678", "[téléphone]"),
        ("my number is +1 415 555 0100", "my number is [téléphone]"),
        ("o meu é +351 912 345 678", "o meu é [téléphone]"),
        ("écrivez à marie.dupont+caté@example.org.", "écrivez à [e-mail]."),
        ("IBAN FR76 3000 6000 0112 3456 7890 189 merci", "IBAN [IBAN] merci"),
        ("iban fr7630006000011234567890189", "iban [IBAN]"),
        ("carte 4111 1111 1111 1111 ?", "carte [carte] ?"),
        ("carte 4111-1111-1111-1111", "carte [carte]"),
    ],
)
def test_contact_and_bank_details_are_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "La messe est à 10 h 30 le 25/12/2026.",
        "Le denier coûte 150 euros, code postal 69009.",
        "Quels sont les horaires de la messe de Noël ?",
        "Ma fille est en CE2, elle a 8 ans.",
        "Référence 1234 5678 9012 3456 7",  # 17 digits but not a card number (Luhn)
    ],
)
def test_ordinary_questions_are_left_as_written(text: str) -> None:
    assert redact(text) == text


def test_the_luhn_checksum() -> None:
    assert luhn_valid("79927398713")
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("79927398710")
