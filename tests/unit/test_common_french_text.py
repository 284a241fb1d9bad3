"""French text folding, shared by router, ai and handoff."""

from __future__ import annotations

from concierge_common.french.text import fold, terms, words


def test_folding_drops_case_and_accents() -> None:
    assert fold("Église Saint-Théodule") == "eglise saint-theodule"


def test_ligatures_are_written_out_as_people_type_them() -> None:
    assert words("Le chœur de sœur Agnès au Sacré-Cœur") == [
        "le", "choeur", "de", "soeur", "agnes", "au", "sacre", "coeur",
    ]  # fmt: skip
    assert terms("ŒUVRES paroissiales") == terms("oeuvres paroissiales")
