from __future__ import annotations

import pytest

from concierge_common.french.typos import distance, near
from router.keywords import KeywordMatcher, _Stem

SERVICES = [
    ("RENSEIGNEMENT", ["messe", "horaire", "baptême", "mariage"]),
    ("CATECHESE", ["catéchisme", "caté", "code parent", "première communion"]),
    ("CONTACT_HUMAIN", ["humain", "parler à quelqu'un", "secrétariat"]),
]


@pytest.fixture
def matcher() -> KeywordMatcher:
    return KeywordMatcher(SERVICES)


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("Quels sont les horaires des MESSES ?", "RENSEIGNEMENT"),
        ("bapteme de ma fille", "RENSEIGNEMENT"),
        ("inscription au catechsime svp", "CATECHESE"),  # swapped letters
        ("CATECHISMES", "CATECHESE"),
        ("voici mon code parent", "CATECHESE"),
        ("je voudrais parler a quelqu un", "CONTACT_HUMAIN"),
        ("Le secretaria est ouvert ?", "CONTACT_HUMAIN"),  # missing letter
    ],
)
def test_keywords_match_despite_accents_case_plurals_and_typos(
    matcher: KeywordMatcher, text: str, service: str
) -> None:
    assert matcher.match(text)[:1] == [service]


def test_short_keywords_need_the_exact_word(matcher: KeywordMatcher) -> None:
    assert matcher.match("la cote de la Saône") == []


def test_multi_word_keywords_need_their_words_in_a_row(matcher: KeywordMatcher) -> None:
    assert matcher.match("le parent a perdu son code") == []


def test_more_keywords_rank_first(matcher: KeywordMatcher) -> None:
    ranked = matcher.match("horaire de la messe pour la première communion")
    assert ranked == ["RENSEIGNEMENT", "CATECHESE"]


def test_a_keyword_and_its_plural_count_once() -> None:
    matcher = KeywordMatcher(
        [("RENSEIGNEMENT", ["horaire", "horaires", "Horaires"]), ("CATECHESE", ["caté"])]
    )
    assert matcher.hits("Quels sont les horaires du caté de Léa ?") == {
        "RENSEIGNEMENT": 1,
        "CATECHESE": 1,
    }


def test_no_keyword_no_service(matcher: KeywordMatcher) -> None:
    assert matcher.match("Bonjour !") == []


def test_distance_counts_a_swap_as_one_edit() -> None:
    assert distance("catechisme", "catechsime", 2) == 1
    assert distance("messe", "mesne", 1) == 1
    assert distance("abc", "abcdef", 1) == 2  # capped: beyond the limit


def test_typo_tolerance_grows_with_length() -> None:
    assert near("horaie", "horaire")
    assert not near("hiver", "horaire")
    assert near("secretaira", "secretariat")
    assert not near("cote", "cate")
    assert not near("2027", "2026")  # numbers are exact


def test_a_typo_keeps_the_first_letter_or_swaps_the_first_two() -> None:
    assert not near("pasar", "casar")  # Spanish "to pass by" is not "to marry"
    assert not near("baptem", "captem")
    assert near("abpteme", "bapteme")  # the first two letters swapped
    assert near("bpateme", "bapteme")


def test_each_keyword_stem_decides_like_the_shared_typo_rule() -> None:
    """The matcher computes a stem's tolerance and letters once: same answers as ``near``."""
    stems = ["catechism", "messe", "secretariat", "bapteme", "communion", "2024"]
    words = [
        "catechsime", "catechisme", "catchisme", "cat", "messes", "mess", "secretaria",
        "secretaire", "baptem", "bapteme", "comunion", "communions", "2025", "2024", "",
        "abpteme", "vapteme", "nesse",
    ]  # fmt: skip
    for reference in stems:
        keyword = _Stem(reference)
        for word in words:
            assert keyword.near(word) == near(word, reference), (word, reference)
