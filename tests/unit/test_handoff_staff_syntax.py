"""What staff type in the staff chat, parsed into one command."""

from __future__ import annotations

import pytest

from handoff.staff_syntax import (
    Assign,
    Close,
    Help,
    ListOpen,
    Reply,
    ReturnToBot,
    Show,
    StaffCommand,
    Unknown,
    parse,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("H7K2P Bonjour, le père rappelle.", Reply("H7K2P", "Bonjour, le père rappelle.")),
        ("#H7K2P: Oui bien sûr", Reply("H7K2P", "Oui bien sûr")),
        ("h7k2p - à demain", Reply("H7K2P", "à demain")),
        ("[H7K2P] Merci !", Reply("H7K2P", "Merci !")),
        ("  H7K2P  :  Très bien  ", Reply("H7K2P", "Très bien")),
        ("H7K2P Ligne 1\nLigne 2", Reply("H7K2P", "Ligne 1\nLigne 2")),
        ("H7K2P fin", ReturnToBot("H7K2P")),
        ("h7k2p FIN.", ReturnToBot("H7K2P")),
        ("#H7K2P bot", ReturnToBot("H7K2P")),
        ("H7K2P rendre au bot", ReturnToBot("H7K2P")),
        ("H7K2P clore", Close("H7K2P")),
        ("H7K2P Clôturer", Close("H7K2P")),
        ("H7K2P prendre", Assign("H7K2P")),
        ("H7K2P je prends !", Assign("H7K2P")),
        ("H7K2P", Show("H7K2P")),
        ("#H7K2P ?", Show("H7K2P")),
        ("liste", ListOpen()),
        ("  Liste ! ", ListOpen()),
        ("aide", Help()),
        ("AIDE", Help()),
        ("?", Help()),
    ],
)
def test_staff_text_is_parsed(text: str, expected: StaffCommand) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "bonjour à tous", "H7K2Pmerci", "H7K2 trop court", "la H7K2P est pour moi", "🙂"],
)
def test_anything_else_is_unknown(text: str) -> None:
    assert parse(text) == Unknown()


def test_a_command_word_inside_a_longer_reply_is_still_a_reply() -> None:
    assert parse("H7K2P fin de la réunion à 18h") == Reply("H7K2P", "fin de la réunion à 18h")
