"""Issue 14, item 1: the codes ``concierge codes generate`` makes are strong, readable on
the phone, found by the router in a message, and treated as strong by the store."""

from __future__ import annotations

import pytest

from concierge_devkit import codes
from concierge_devkit.cli import main
from router.codes import find_code
from store.codes import hash_code, is_weak, normalise_code

LOOK_ALIKES = set("01ILO")


def test_a_code_has_more_than_57_bits() -> None:
    assert codes.code_bits() > 57


def test_codes_have_three_groups_of_four_without_look_alikes() -> None:
    for _ in range(500):
        code = codes.new_code()
        groups = code.split("-")
        assert [len(group) for group in groups] == [4, 4, 4]
        assert not set(code) & LOOK_ALIKES
        assert all(set(group) & set(codes.DIGITS) for group in groups)
        assert all(set(group) & set(codes.LETTERS) for group in groups)


@pytest.mark.parametrize(
    "message",
    [
        "{code}",
        "mon code parent est {code} merci",
        "Bonjour, code : {lower}",
        "code {spaced} pour Léa",
        "voici {compact}",
    ],
)
def test_the_router_finds_a_generated_code_in_a_message(message: str) -> None:
    for _ in range(200):
        code = codes.new_code()
        text = message.format(
            code=code,
            lower=code.lower(),
            spaced=code.replace("-", " "),
            compact=code.replace("-", ""),
        )
        found = find_code(text, digits_alone=False)
        assert found is not None
        assert normalise_code(found) == normalise_code(code)


def test_words_are_not_taken_for_a_strong_code() -> None:
    assert find_code("mais elle veut venir", digits_alone=False) is None
    assert find_code("mon code SM-4821", digits_alone=False) == "SM-4821"


def test_the_store_hashes_a_strong_code_however_it_is_typed_and_knows_it_strong() -> None:
    code = codes.new_code()
    typed = [code, code.lower(), code.replace("-", " "), code.replace("-", "")]
    assert len({hash_code("k", "service", variant) for variant in typed}) == 1
    assert not is_weak(code)
    assert is_weak("SM-4821")


def test_the_command_prints_distinct_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["codes", "generate", "-n", "25"]) == 0
    printed = capsys.readouterr().out.split()
    assert len(printed) == len(set(printed)) == 25
    assert all(not is_weak(code) for code in printed)
