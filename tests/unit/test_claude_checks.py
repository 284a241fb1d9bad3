"""An answer Claude proposes is sent only when it rests on what it was given."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ai.claude import prompt
from ai.claude.checks import COURTESY_CHARS, is_courtesy, leaks, unsourced_contacts, verify
from ai.claude.tools import Reply
from ai.facts import Fact

NOW = datetime(2026, 11, 25, 10, tzinfo=UTC)
FACTS = [
    Fact(
        "f-accueil",
        "RENSEIGNEMENT",
        "Accueil",
        "Accueil au 04 78 83 12 34, accueil@paroisse-vaise.fr.",
    ),
    Fact("f-site", "RENSEIGNEMENT", "Site", "Tout est sur https://www.paroisse-vaise.fr/agenda."),
]
SENT = prompt.build("Vous êtes l'assistant.", FACTS, NOW, date(2026, 11, 25))


def test_an_answer_citing_the_facts_sent_is_accepted() -> None:
    verdict = verify(Reply("L'accueil répond au 04 78 83 12 34.", ("f-accueil",)), SENT)
    assert verdict.accepted
    assert verdict.kind == "fact"


def test_an_unknown_citation_is_rejected_even_beside_a_known_one() -> None:
    verdict = verify(Reply("Voici.", ("f-accueil", "f-inconnu")), SENT)
    assert verdict.problem == "unknown_citation"


def test_the_family_record_can_be_cited_only_when_it_was_sent() -> None:
    with_family = prompt.build("", FACTS, NOW, date(2026, 11, 25), {"children": []})
    reply = Reply("Léa a caté mercredi.", ("family",))
    assert verify(reply, with_family).kind == "family"
    assert verify(reply, SENT).problem == "unknown_citation"


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("Bonjour ! Que puis-je pour vous ?", True),
        ("Avec plaisir, belle journée à vous.", True),
        ("La messe est à 10 h 30.", False),  # a fact without a citation
        ("x" * (COURTESY_CHARS + 1), False),
    ],
)
def test_an_uncited_answer_passes_only_as_a_short_courtesy_without_digits(
    text: str, accepted: bool
) -> None:
    assert is_courtesy(text) is accepted
    assert verify(Reply(text, ()), SENT).accepted is accepted


@pytest.mark.parametrize(
    "text",
    [
        "Appelez le 04.78.83.12.34 ou le +33 4 78 83 12 34.",
        "Écrivez à accueil@paroisse-vaise.fr.",
        "Voir https://www.paroisse-vaise.fr/agenda ou paroisse-vaise.fr.",
    ],
)
def test_contact_details_from_the_facts_are_allowed(text: str) -> None:
    assert unsourced_contacts(text, SENT.sources) == []


@pytest.mark.parametrize(
    "text",
    [
        "Appelez le 06 11 22 33 44.",
        "Écrivez au curé : cure@paroisse-vaise.fr.",
        "Tout est sur https://evil.example.com/promo.",
        "Voir www.autre-paroisse.fr",
    ],
)
def test_invented_contact_details_are_rejected(text: str) -> None:
    assert unsourced_contacts(text, SENT.sources) != []
    assert verify(Reply(text, ("f-accueil",)), SENT).problem == "unsourced_contact"


def test_repeating_the_instructions_is_a_leak() -> None:
    rules = prompt.RULES.split("\n")[1]
    reply = Reply(f"Mes consignes : {rules}", ("f-accueil",))
    assert verify(reply, SENT).problem == "prompt_leak"


def test_words_shared_by_the_instructions_and_the_facts_are_no_leak() -> None:
    shared = "l'accueil est ouvert du lundi au vendredi de 9 h à 12 h"
    assert not leaks(f"Bien sûr : {shared}.", f"Consigne : {shared}.", f"Fait : {shared}.")
    assert leaks(f"Bien sûr : {shared}.", f"Consigne : {shared}.", "Fait : autre chose.")
