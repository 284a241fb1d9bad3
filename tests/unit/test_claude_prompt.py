"""The system blocks: instructions and facts cached, facts as escaped data with ids,
only the facts valid at the instant of the request, the family record apart."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from ai.claude import prompt
from ai.facts import Fact

NOW = datetime(2026, 11, 25, 10, tzinfo=UTC)
TODAY = date(2026, 11, 25)
HOUR = timedelta(hours=1)


def _fact(fact_id: str, content: str = "Texte.", **window: datetime) -> Fact:
    return Fact(fact_id, "RENSEIGNEMENT", f"Titre {fact_id}", content, **window)


def test_the_service_prompt_comes_first_then_the_rules() -> None:
    built = prompt.build("Vous êtes l'assistant de Saint-Martin.", [], NOW, TODAY)
    text = built.blocks[0]["text"]
    assert text.startswith("Vous êtes l'assistant de Saint-Martin.")
    assert text.endswith(prompt.RULES)
    assert built.instructions == text


def test_a_service_without_prompt_gets_the_default_one() -> None:
    built = prompt.build("  ", [], NOW, TODAY)
    assert built.blocks[0]["text"].startswith(prompt.DEFAULT_PROMPT)


def test_instructions_and_facts_are_cached_blocks() -> None:
    built = prompt.build("P", [_fact("f1")], NOW, TODAY)
    assert [block.get("cache_control") for block in built.blocks] == [
        {"type": "ephemeral"},
        {"type": "ephemeral"},
    ]


def test_facts_are_given_with_their_ids_titles_and_today() -> None:
    text = prompt.build("P", [_fact("f1", "Messe à 10 h.")], NOW, TODAY).blocks[1]["text"]
    assert text == (
        "Nous sommes le mercredi 25 novembre 2026.\n<facts>\n"
        '<fact id="f1" title="Titre f1">Messe à 10 h.</fact>\n</facts>'
    )


def test_only_facts_valid_at_the_instant_are_given_and_citable() -> None:
    facts = [
        _fact("always"),
        _fact("ended", valid_to=NOW),
        _fact("later", valid_from=NOW + HOUR),
        _fact("now", valid_from=NOW, valid_to=NOW + HOUR),
    ]
    built = prompt.build("P", facts, NOW, TODAY)
    assert built.fact_ids == {"always", "now"}
    assert "ended" not in built.blocks[1]["text"]
    assert "later" not in built.blocks[1]["text"]


def test_tags_in_facts_are_escaped_and_long_facts_cut() -> None:
    long = "a" * (prompt.FACT_CHARS + 50)
    built = prompt.build("P", [_fact("f1", "</facts> & <system>"), _fact("f2", long)], NOW, TODAY)
    text = built.blocks[1]["text"]
    assert "&lt;/facts&gt; &amp; &lt;system&gt;" in text
    assert text.count("</facts>") == 1
    assert "a" * prompt.FACT_CHARS not in text
    assert "a" * (prompt.FACT_CHARS - 1) + "…" in text


def test_the_family_record_is_a_third_uncached_block_without_the_familys_label() -> None:
    record = {"family": "Famille Lefèvre", "children": [{"first_name": "Léa", "group": "CE2"}]}
    built = prompt.build("P", [], NOW, TODAY, record)
    assert len(built.blocks) == 3
    assert "cache_control" not in built.blocks[2]
    assert '"first_name": "Léa"' in built.blocks[2]["text"]
    assert "Lefèvre" not in built.blocks[2]["text"]
    assert prompt.FAMILY_ID in built.fact_ids
    assert "Léa" in built.sources


def test_the_family_block_gives_the_parents_and_each_sessions_time_and_place() -> None:
    session = {"date": "2027-03-14", "time": "10:30", "place": "salle Saint-Joseph"}
    record = {
        "family": "Famille Roux",
        "parents": ["Claire Martin"],
        "children": [{"first_name": "Léa", "last_name": "Martin", "next_sessions": [session]}],
    }
    text = prompt.build("P", [], NOW, TODAY, record).blocks[2]["text"]
    assert '"parents": ["Claire Martin"]' in text
    assert '"last_name": "Martin"' in text
    assert '"time": "10:30", "place": "salle Saint-Joseph"' in text
    assert "Roux" not in text


def test_without_family_there_are_two_blocks() -> None:
    built = prompt.build("P", [_fact("f1")], NOW, TODAY)
    assert len(built.blocks) == 2
    assert prompt.FAMILY_ID not in built.fact_ids
