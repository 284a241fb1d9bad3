"""The rough language of a reply's line: enough to judge "answered in my language"."""

from __future__ import annotations

import pytest

from concierge_devkit.evaluation.language import WORDS, has_line_in, language_of


@pytest.mark.parametrize(
    ("line", "language"),
    [
        ("Here is what I found for you (in French):", "en"),
        ("Sorry, I can't help with that here.", "en"),
        ("Aqui está a informação que tenho (em francês):", "pt"),
        ("Desculpe, não posso ajudar com isso aqui.", "pt"),
        ("Esta es la información que tengo (en francés):", "es"),
        ("Lo siento, no puedo ayudarle con eso.", "es"),
        ("Samedi 18 h 00 : messe à Hautecourt, dimanche 11 h à Ornival.", "fr"),
        ("Je n'ai pas trouvé d'information sûre pour vous répondre.", "fr"),
    ],
)
def test_a_line_is_recognised_by_its_common_words(line: str, language: str) -> None:
    assert language_of(line) == language


def test_a_line_with_too_few_telling_words_has_no_language() -> None:
    assert language_of("Ornival, 11h.") is None
    assert language_of("") is None


def test_a_word_two_languages_share_counts_for_neither() -> None:
    assert "de" not in WORDS["fr"]
    assert "de" not in WORDS["es"]
    assert "de" not in WORDS["pt"]
    assert "para" not in WORDS["es"]
    assert "para" not in WORDS["pt"]


def test_a_french_fact_after_a_lead_line_in_english_has_an_english_line() -> None:
    reply = "Here are the Mass times (in French):\nDimanche à 11 h, messe à l'église d'Ornival."
    assert has_line_in([reply], "en")
    assert has_line_in([reply], "fr")
    assert not has_line_in([reply], "es")
