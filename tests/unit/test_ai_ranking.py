"""Relevance of documents to a question: rarity, titles, repeats and coverage."""

from __future__ import annotations

from ai.ranking import Document, Index


def _doc(key: str, title: str, body: str) -> Document:
    return Document(key, "RENSEIGNEMENT", title, body)


def test_a_word_in_the_title_outranks_the_same_word_in_a_text() -> None:
    index = Index(
        [
            _doc("messes", "Messes", "La chorale chante à la messe de 11h."),
            _doc("chorale", "Chorale", "Répétitions le jeudi soir."),
        ]
    )
    assert [match.document.key for match in index.rank("chorale")] == ["chorale", "messes"]


def test_a_rare_word_counts_more_than_a_word_every_document_has() -> None:
    index = Index(
        [
            _doc("a", "Accueil", "paroisse paroisse adoration"),
            _doc("b", "Baptême", "paroisse paroisse paroisse paroisse"),
            _doc("c", "Chapelet", "paroisse"),
        ]
    )
    ranked = index.rank("paroisse adoration")
    assert ranked[0].document.key == "a"


def test_repeats_in_a_text_add_less_and_less() -> None:
    index = Index(
        [_doc("once", "A", "messe"), _doc("often", "B", "messe " * 20), _doc("z", "C", "")]
    )
    once, often = (
        next(m for m in index.rank("messe") if m.document.key == k) for k in ("once", "often")
    )
    assert once.score < often.score < 3 * once.score


def test_coverage_is_the_share_of_the_question_a_document_has() -> None:
    index = Index([_doc("mariage", "Mariage", "préparation"), _doc("autre", "Chorale", "jeudi")])
    (match,) = index.rank("mariage préparation")
    assert match.coverage == 1.0
    (partial,) = index.rank("mariage xylophone")
    assert 0.0 < partial.coverage < 0.6


def test_neutral_words_neither_cover_nor_uncover_a_question() -> None:
    index = Index([_doc("chorale", "Chorale", "Répétitions le jeudi à 20h15.")])
    (match,) = index.rank("horaires de la chorale")
    assert match.coverage == 1.0


def test_no_shared_word_no_match() -> None:
    assert Index([_doc("chorale", "Chorale", "jeudi")]).rank("pizza") == []
    assert Index([]).rank("chorale") == []


def test_a_word_the_lexicon_cannot_read_uncovers_a_question_in_another_language_less() -> None:
    index = Index(
        [
            _doc("food", "Dépannage alimentaire", "Le mercredi de 13h à 15h, au sous-sol."),
            _doc("chorale", "Chorale", "Répétitions le jeudi soir."),
        ]
    )
    # "bank" is unknown to the facts and to the lexicon: it is not held against them as
    # much as the French "banque", a subject the facts would have named
    (english,) = index.rank("Is there a food bank? alimentaire")  # as ai.turns searches it
    (french,) = index.rank("Y a-t-il une banque alimentaire ?")
    assert english.coverage >= 0.5 > french.coverage


def test_a_word_the_lexicon_reads_but_no_fact_has_still_uncovers_a_question() -> None:
    index = Index(
        [_doc("messes", "Messes", "Dimanche 10h30 à l'église."), _doc("z", "Chorale", "")]
    )
    (in_spanish,) = index.rank("¿Misa en español? messe espagnol")
    (on_sunday,) = index.rank("¿Hay alguna misa el domingo? messe dimanche")
    assert in_spanish.coverage < 0.5 <= on_sunday.coverage  # no fact names a Spanish Mass
