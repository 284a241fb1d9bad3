"""Long replies are cut into WhatsApp messages at sentence ends, never inside a word or URL."""

from __future__ import annotations

import pytest

from gateway.splitting import split_reply

NBSP = "\u00a0"
NNBSP = "\u202f"


def test_a_short_reply_is_one_part_without_its_outer_spaces() -> None:
    assert split_reply("  Bonjour, la messe est à 10 h 30.\n", 100) == [
        "Bonjour, la messe est à 10 h 30."
    ]


def test_a_long_reply_is_cut_after_the_last_sentence_that_fits() -> None:
    text = "La messe est à 10 h. Le baptême se prépare. Venez au secrétariat !"
    assert split_reply(text, 45) == [
        "La messe est à 10 h. Le baptême se prépare.",
        "Venez au secrétariat !",
    ]


def test_every_part_fits_and_nothing_is_lost_or_numbered() -> None:
    sentence = "Les inscriptions au catéchisme ont lieu en septembre. "
    text = sentence * 40
    parts = split_reply(text, 200)
    assert len(parts) > 1
    assert all(len(part) <= 200 for part in parts)
    assert all(part.endswith(".") for part in parts)
    assert " ".join(parts) == text.strip()
    assert not any(part.startswith(("1/", "(1")) for part in parts)


def test_sentence_ends_include_exclamations_questions_ellipses_and_closing_quotes() -> None:
    text = f"Vraiment… Oui ! Quand ? «{NBSP}Demain.{NBSP}» (Bien.) Fin"
    assert split_reply(text, 13) == [
        "Vraiment…",
        "Oui ! Quand ?",
        f"«{NBSP}Demain.{NBSP}»",
        "(Bien.) Fin",
    ]


def test_french_question_marks_stay_with_their_words() -> None:
    text = f"Souhaitez-vous un rendez-vous{NBSP}? Pour quel jour{NNBSP}? Merci{NBSP}!"
    parts = split_reply(text, 35)
    assert parts == [
        f"Souhaitez-vous un rendez-vous{NBSP}?",
        f"Pour quel jour{NNBSP}? Merci{NBSP}!",
    ]


def test_a_non_breaking_space_is_never_a_cut() -> None:
    text = f"aaaa bbbb{NBSP}cccc"
    assert split_reply(text, 12) == ["aaaa", f"bbbb{NBSP}cccc"]


def test_without_a_sentence_end_the_cut_falls_at_a_newline() -> None:
    text = "Horaires des messes\nsamedi 18 h, dimanche 10 h 30 et 18 h"
    assert split_reply(text, 45) == ["Horaires des messes", "samedi 18 h, dimanche 10 h 30 et 18 h"]


def test_a_long_sentence_is_cut_at_a_space_never_inside_a_word() -> None:
    words = ["paroisse"] * 30
    parts = split_reply(" ".join(words), 50)
    assert len(parts) > 1
    assert all(len(part) <= 50 for part in parts)
    assert all(set(part.split()) == {"paroisse"} for part in parts)


def test_a_url_is_kept_whole_even_across_the_limit() -> None:
    url = "https://paroisse.example.fr/inscriptions/catechisme?annee=2026&groupe=ce1"
    text = f"Inscriptions en ligne {url} merci"
    parts = split_reply(text, 40)
    assert url in parts
    assert "".join(parts).replace(" ", "") == text.replace(" ", "")


def test_a_word_longer_than_a_part_makes_a_longer_part_rather_than_being_broken() -> None:
    word = "x" * 30
    assert split_reply(f"{word} fin", 10) == [word, "fin"]


def test_a_sentence_end_inside_a_url_is_not_a_cut() -> None:
    text = "Voir https://exemple.fr/a.b?c=d!e pour la suite du programme"
    parts = split_reply(text, 45)
    assert any("https://exemple.fr/a.b?c=d!e" in part for part in parts)


def test_a_part_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        split_reply("Bonjour", 0)
