"""The evaluation's case file: loading, and errors that name the case and the problem."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
import yaml

from concierge_devkit.cli import build_parser, main
from concierge_devkit.evaluation.cases import CaseFileError, load_cases, parse_cases
from concierge_devkit.evaluation.command import options_from

FAMILIES = {"lefevre": {"code": "SM-4821", "markers": ["Léa"]}}


def case_file(*cases: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "reference_date": "2026-11-25",
        "handoff_markers": ["Je transmets votre demande"],
        "decline_markers": ["Je n'ai pas trouvé"],
        "families": FAMILIES,
        "cases": list(cases),
        **top,
    }


def answer_case(**fields: Any) -> dict[str, Any]:
    return {
        "id": "messe-01",
        "send": "Horaires des messes ?",
        "expect": "answer",
        "fact": "Messes du dimanche",
        "snippets": ["9h30"],
        **fields,
    }


def error_of(raw: Any) -> str:
    with pytest.raises(CaseFileError) as caught:
        parse_cases(raw, "cases.yaml")
    return str(caught.value)


def test_a_case_file_loads_turns_bursts_alternatives_and_families() -> None:
    loaded = parse_cases(
        case_file(
            answer_case(tags=["messes"], snippets=["9h30", ["11h", "11 h"]]),
            {
                "id": "parent-01",
                "send": [["bonjour", "le groupe de Léa ?"], "SM-4821"],
                "expect": "family",
                "family": "lefevre",
                "snippets": ["Samuel"],
            },
        ),
        "cases.yaml",
    )
    first, second = loaded.cases
    assert str(loaded.reference_date) == "2026-11-25"
    assert first.turns == (("Horaires des messes ?",),)
    assert first.snippets == (("9h30",), ("11h", "11 h"))
    assert first.answerable
    assert second.turns == (("bonjour", "le groupe de Léa ?"), ("SM-4821",))
    assert second.texts == ("bonjour", "le groupe de Léa ?", "SM-4821")
    assert loaded.families["lefevre"].markers == ("Léa",)


def test_a_missing_expectation_names_the_case() -> None:
    message = error_of(case_file(answer_case(expect=None)))
    assert "case 'messe-01'" in message
    assert "'expect' must be one of answer, family, handoff, decline, safe" in message


def test_an_answer_without_its_fact_names_the_case() -> None:
    raw = answer_case()
    del raw["fact"]
    assert "case 'messe-01': expect 'answer' needs 'fact'" in error_of(case_file(raw))


def test_a_case_without_id_is_named_by_its_position() -> None:
    raw = answer_case()
    del raw["id"]
    message = error_of(case_file(answer_case(id="first"), raw))
    assert "case #2: 'id' must be a non-empty string" in message


def test_an_unknown_field_is_reported_with_the_case() -> None:
    message = error_of(case_file(answer_case(snipets=["9h30"])))
    assert "case 'messe-01': unknown field(s) snipets" in message


def test_an_empty_message_in_a_turn_names_the_turn() -> None:
    message = error_of(case_file(answer_case(send=["Horaires ?", ["ok", ""]])))
    assert "case 'messe-01': turn 2 of 'send' has an empty or non-text message" in message


def test_a_case_of_an_unknown_family_is_refused() -> None:
    message = error_of(case_file(answer_case(family="martin")))
    assert "case 'messe-01': unknown family 'martin' (known: lefevre)" in message


def test_a_handoff_case_takes_no_snippets() -> None:
    raw = {"id": "human-01", "send": "humain", "expect": "handoff", "snippets": ["accueil"]}
    assert "case 'human-01': expect 'handoff' takes no 'snippets'" in error_of(case_file(raw))


def test_two_cases_with_one_id_are_refused() -> None:
    message = error_of(case_file(answer_case(), answer_case()))
    assert "case 'messe-01': the id is used twice" in message


def test_a_bad_reference_date_and_an_empty_set_are_refused() -> None:
    assert "'reference_date' must be a date" in error_of(
        case_file(answer_case(), reference_date="bientôt")
    )
    assert "'cases' must be a non-empty list" in error_of(case_file())


def test_a_file_that_is_not_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("cases: [\n  - id: a\n", encoding="utf-8")
    with pytest.raises(CaseFileError, match=r"broken\.yaml: not valid YAML"):
        load_cases(path)
    with pytest.raises(CaseFileError, match="cannot read the case file"):
        load_cases(tmp_path / "missing.yaml")


def test_the_eval_command_takes_its_options_and_thresholds() -> None:
    flags = ["--concurrency", "3", "--min-right-facts", "0.9", "--max-leaks", "1"]
    args = build_parser().parse_args(
        ["eval", "--cases", "set.yaml", "--report", "out.json", "--offline", *flags]
    )
    options = options_from(args)
    assert options.cases == (Path("set.yaml"),)
    assert options.report == Path("out.json")
    assert options.pipeline.offline
    assert options.timing.concurrency == 3
    assert options.overrides == {"min_right_facts": 0.9, "max_leaks": 1}


def test_concierge_eval_stops_on_a_malformed_case_before_starting_anything(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text(yaml.safe_dump(case_file(answer_case(expect="maybe"))), encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        code = main(["--data-dir", str(tmp_path / "data"), "eval", "--cases", str(path)])
    assert code == 1
    assert "case 'messe-01': 'expect' must be one of" in caplog.text
    assert not (tmp_path / "data").exists()  # no server was started


def test_a_set_may_name_its_seed_thresholds_markers_and_classes(tmp_path: Path) -> None:
    path = tmp_path / "held" / "cases.yaml"
    path.parent.mkdir()
    raw = case_file(
        answer_case(
            **{"class": "factual"},
            mentions=[["félicitations", "quelle joie"]],
            language="en",
            code="not-asked",
            handoff=False,
        ),
        name="held-back",
        seed="seed.json",
        thresholds={"min_right_facts": 0.92, "max_answerable_handoffs": 0.03, "max_leaks": 0},
        code_request_markers=["envoyez-moi le code famille"],
        foreign_markers=["Saint-Martin", "SM"],
        classes={"factual": "plain questions"},
    )
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    loaded = load_cases(path)
    assert loaded.name == "held-back"
    assert loaded.seed == path.parent / "seed.json"
    assert loaded.thresholds == {
        "min_right_facts": 0.92,
        "max_answerable_handoffs": 0.03,
        "max_leaks": 0,
    }
    assert loaded.code_request_markers == ("envoyez-moi le code famille",)
    assert loaded.foreign_markers == ("Saint-Martin", "SM")
    assert loaded.classes == {"factual": "plain questions"}
    only = loaded.cases[0]
    assert (only.case_class, only.language, only.code, only.handoff) == (
        "factual",
        "en",
        "not-asked",
        False,
    )
    assert only.mentions == (("félicitations", "quelle joie"),)


def test_without_those_fields_a_set_keeps_the_demo_parish_and_no_classes() -> None:
    loaded = parse_cases(case_file(answer_case()), "cases.yaml")
    assert (loaded.seed, loaded.thresholds, loaded.classes, loaded.foreign_markers) == (
        None,
        {},
        {},
        (),
    )
    assert loaded.name == "cases"


def test_declared_classes_need_a_known_class_on_every_case() -> None:
    classes = {"factual": "plain questions"}
    missing = error_of(case_file(answer_case(), classes=classes))
    assert "case 'messe-01': 'class' is required" in missing
    unknown = error_of(case_file(answer_case(**{"class": "other"}), classes=classes))
    assert "case 'messe-01': unknown class 'other' (known: factual)" in unknown


def test_a_wrong_language_code_check_or_handoff_flag_names_the_case() -> None:
    assert "'language' must be one of fr, en, pt, es" in error_of(
        case_file(answer_case(language="de"))
    )
    assert "'code' must be one of asked, not-asked" in error_of(
        case_file(answer_case(code="maybe"))
    )
    assert "'handoff' must be true or false" in error_of(case_file(answer_case(handoff="no")))
    human = {"id": "h", "send": "humain", "expect": "handoff", "handoff": False}
    assert "expect 'handoff' contradicts 'handoff: false'" in error_of(case_file(human))


def test_a_code_check_needs_code_request_markers() -> None:
    found = error_of(case_file(answer_case(code="asked")))
    assert "cases check 'code' but 'code_request_markers' is empty" in found


def test_thresholds_must_be_known_and_in_range() -> None:
    assert "unknown field(s) min_speed" in error_of(
        case_file(answer_case(), thresholds={"min_speed": 1})
    )
    assert "min_right_facts is a share, between 0 and 1" in error_of(
        case_file(answer_case(), thresholds={"min_right_facts": 92})
    )
    fraction = case_file(answer_case(), thresholds={"max_leaks": 0.5})
    assert "max_leaks is a count" in error_of(fraction)
