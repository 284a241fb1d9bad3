"""Parent codes are hashed the same way however a person types them."""

from __future__ import annotations

import pytest

from store.codes import hash_code, normalise_code

SERVICE = "0b6f9a52-6a43-4f55-9c39-2d2f3b8c1e10"


@pytest.mark.parametrize("typed", ["SM-4821", " sm-4821 ", "sm 4821", "SM–4821", "Sm - 48 21"])
def test_the_ways_people_type_a_code_hash_alike(typed: str) -> None:
    assert hash_code("k", SERVICE, typed) == hash_code("k", SERVICE, "SM4821")


def test_a_code_hashes_differently_under_another_key_or_service() -> None:
    digest = hash_code("k", SERVICE, "SM-4821")
    assert hash_code("other", SERVICE, "SM-4821") != digest
    assert hash_code("k", "1c4f6a11-0000-4000-8000-000000000000", "SM-4821") != digest
    assert hash_code("k", SERVICE, "SM-4822") != digest


def test_the_hash_is_the_64_hex_digits_the_schema_requires() -> None:
    digest = hash_code("k", SERVICE.upper(), "SM-4821")
    assert len(digest) == 64
    assert set(digest) <= set("0123456789abcdef")
    assert digest == hash_code("k", SERVICE, "SM-4821")


def test_normalising_keeps_letters_and_digits_in_upper_case() -> None:
    assert normalise_code(" sm-48 21\t") == "SM4821"
