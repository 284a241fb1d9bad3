"""SMS writing is written out before a question is searched."""

from __future__ import annotations

import pytest

from ai.sms import plain


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("c koi lé horR d mess", "c quoi les horaires d messe"),
        ("secretaria ouvert kan", "secrétariat ouvert quand"),
        ("ya t il messe jeudi", "il y a t il messe jeudi"),
        ("Quelles sont mes options ?", "Quelles sont mes options ?"),  # French words kept
    ],
)
def test_sms_words_are_written_out_and_french_words_kept(typed: str, meant: str) -> None:
    assert plain(typed) == meant
