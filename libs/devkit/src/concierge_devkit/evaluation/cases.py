"""The case file: what each case sends and what it expects, loaded and checked.

The files' own headers document every field (``tests/eval/parish.yaml``: the
case format; ``tests/eval/held_back/cases.yaml``: what a set may add, such as
its own seed, thresholds, classes, foreign markers and the checks on language,
code requests and handoffs). A mistake is reported as a :class:`CaseFileError`
naming the file and the case (its id, else its position) and saying what is
wrong, before anything starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal, cast

import yaml

from concierge_devkit.errors import DevkitError
from concierge_devkit.evaluation.thresholds import SHARE_THRESHOLDS, THRESHOLD_NAMES

ExpectKind = Literal["answer", "family", "handoff", "decline", "safe"]
EXPECT_KINDS: tuple[ExpectKind, ...] = ("answer", "family", "handoff", "decline", "safe")
# Kinds that count as answerable questions (the "right facts" share).
ANSWERABLE: frozenset[ExpectKind] = frozenset({"answer", "family"})
Language = Literal["fr", "en", "pt", "es"]
LANGUAGES: tuple[Language, ...] = ("fr", "en", "pt", "es")
CodeCheck = Literal["asked", "not-asked"]
CODE_CHECKS: tuple[CodeCheck, ...] = ("asked", "not-asked")
CASE_FIELDS = frozenset(
    {
        "id",
        "class",
        "tags",
        "send",
        "expect",
        "fact",
        "snippets",
        "mentions",
        "family",
        "forbidden",
        "language",
        "code",
        "handoff",
        "note",
    }
)
TOP_FIELDS = frozenset(
    {
        "version",
        "name",
        "seed",
        "reference_date",
        "thresholds",
        "handoff_markers",
        "decline_markers",
        "code_request_markers",
        "foreign_markers",
        "classes",
        "families",
        "facts",
        "cases",
    }
)

Requirement = tuple[str, ...]  # alternatives: a reply must contain one of them


class CaseFileError(DevkitError):
    """The case file cannot be used as written."""


@dataclass(frozen=True)
class Case:
    id: str
    tags: tuple[str, ...]
    turns: tuple[tuple[str, ...], ...]  # each turn: messages sent back to back
    expect: ExpectKind
    fact: str | None = None
    snippets: tuple[Requirement, ...] = ()
    family: str | None = None  # the family whose code the person proves in the case
    forbidden: tuple[str, ...] = ()
    note: str = ""
    case_class: str | None = None  # its class (``class``), for the per-class table
    mentions: tuple[Requirement, ...] = ()  # in the reply, not from a fact (condolences...)
    language: Language | None = None  # a line of the reply is in that language
    code: CodeCheck | None = None  # the reply asks for the parent code, or must not
    handoff: bool | None = None  # handed off (True) or not (False) at any turn

    @property
    def texts(self) -> tuple[str, ...]:
        """Every message the person sends, in order."""
        return tuple(text for turn in self.turns for text in turn)

    @property
    def answerable(self) -> bool:
        return self.expect in ANSWERABLE


@dataclass(frozen=True)
class FamilySpec:
    key: str
    code: str
    markers: tuple[str, ...]  # what only this family may read (first names, catechists...)


@dataclass(frozen=True)
class CaseSet:
    source: str
    reference_date: date
    handoff_markers: tuple[str, ...]
    decline_markers: tuple[str, ...]
    families: Mapping[str, FamilySpec]
    fact_markers: Mapping[str, tuple[str, ...]]  # fact title -> its distinctive snippets
    cases: tuple[Case, ...]
    name: str = ""  # how the report names the set (the file's stem when not given)
    seed: Path | None = None  # the parish to seed (None: the store's demo parish)
    thresholds: Mapping[str, float] = field(default_factory=dict)  # the set's own targets
    code_request_markers: tuple[str, ...] = ()  # texts by which a reply asks for a code
    foreign_markers: tuple[str, ...] = ()  # traces of another parish: a leak in any reply
    classes: Mapping[str, str] = field(default_factory=dict)  # class -> what it covers


def load_cases(path: Path) -> CaseSet:
    """Read and check ``path``; :class:`CaseFileError` says what is wrong and where."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CaseFileError(f"cannot read the case file {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise CaseFileError(f"{path}: not valid YAML: {exc}") from exc
    return parse_cases(raw, str(path), base=path.parent)


def parse_cases(raw: Any, source: str, *, base: Path | None = None) -> CaseSet:
    """The case set in ``raw`` (decoded YAML); ``source`` names it in errors.

    ``seed`` is read relative to ``base`` (the case file's folder).
    """
    top = _mapping(raw, f"{source}: the file")
    _no_unknown(top, TOP_FIELDS, f"{source}: the file")
    families = _families(top.get("families"), source)
    classes = _classes(top.get("classes"), source)
    code_markers = _strings(
        top.get("code_request_markers"), f"{source}: 'code_request_markers'", required=False
    )
    cases_raw = top.get("cases")
    if not isinstance(cases_raw, list) or not cases_raw:
        raise CaseFileError(f"{source}: 'cases' must be a non-empty list")
    cases = tuple(_case(item, index, source, families) for index, item in enumerate(cases_raw, 1))
    _unique_ids(cases, source)
    _check_classes(cases, classes, source)
    if not code_markers and any(case.code is not None for case in cases):
        raise CaseFileError(f"{source}: cases check 'code' but 'code_request_markers' is empty")
    return CaseSet(
        source=source,
        reference_date=_date(top.get("reference_date"), f"{source}: 'reference_date'"),
        handoff_markers=_strings(top.get("handoff_markers"), f"{source}: 'handoff_markers'"),
        decline_markers=_strings(top.get("decline_markers"), f"{source}: 'decline_markers'"),
        families=families,
        fact_markers=_fact_markers(top.get("facts"), source),
        cases=cases,
        name=_optional_string(top.get("name"), f"{source}: 'name'") or Path(source).stem,
        seed=_seed_path(top.get("seed"), source, base),
        thresholds=_thresholds(top.get("thresholds"), source),
        code_request_markers=code_markers,
        foreign_markers=_strings(
            top.get("foreign_markers"), f"{source}: 'foreign_markers'", required=False
        ),
        classes=classes,
    )


def _seed_path(raw: Any, source: str, base: Path | None) -> Path | None:
    name = _optional_string(raw, f"{source}: 'seed'")
    if name is None:
        return None
    path = Path(name)
    return path if path.is_absolute() or base is None else base / path


def _thresholds(raw: Any, source: str) -> dict[str, float]:
    if raw is None:
        return {}
    where = f"{source}: 'thresholds'"
    table = _mapping(raw, where)
    _no_unknown(table, THRESHOLD_NAMES, where)
    found: dict[str, float] = {}
    for name, value in table.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise CaseFileError(f"{where}: {name} must be a number, 0 or more")
        if name in SHARE_THRESHOLDS and value > 1:
            raise CaseFileError(f"{where}: {name} is a share, between 0 and 1")
        if name not in SHARE_THRESHOLDS and not isinstance(value, int):
            raise CaseFileError(f"{where}: {name} is a count (a whole number)")
        found[name] = value
    return found


def _classes(raw: Any, source: str) -> dict[str, str]:
    if raw is None:
        return {}
    table = _mapping(raw, f"{source}: 'classes'")
    if not table:
        raise CaseFileError(f"{source}: 'classes' must not be empty when given")
    for name, what in table.items():
        if not isinstance(what, str) or not what.strip():
            raise CaseFileError(f"{source}: class {name!r} needs a description")
    return {str(name): str(what).strip() for name, what in table.items()}


def _check_classes(cases: tuple[Case, ...], classes: Mapping[str, str], source: str) -> None:
    """With ``classes``, every case has one of them (the per-class table adds up)."""
    for case in cases:
        where = f"{source}: case {case.id!r}"
        if case.case_class is None and classes:
            raise CaseFileError(f"{where}: 'class' is required (the file declares classes)")
        if case.case_class is not None and case.case_class not in classes:
            known = ", ".join(classes) or "none declared under 'classes'"
            raise CaseFileError(f"{where}: unknown class {case.case_class!r} (known: {known})")


def _case(raw: Any, index: int, source: str, families: Mapping[str, FamilySpec]) -> Case:
    name = raw.get("id") if isinstance(raw, dict) else None
    where = (
        f"{source}: case {name!r}" if isinstance(name, str) and name else f"{source}: case #{index}"
    )
    item = _mapping(raw, where)
    _no_unknown(item, CASE_FIELDS, where)
    if not isinstance(name, str) or not name.strip():
        raise CaseFileError(f"{where}: 'id' must be a non-empty string")
    expect = item.get("expect")
    if expect not in EXPECT_KINDS:
        raise CaseFileError(f"{where}: 'expect' must be one of {', '.join(EXPECT_KINDS)}")
    case = Case(
        id=name.strip(),
        tags=_strings(item.get("tags"), f"{where}: 'tags'", required=False),
        turns=_turns(item.get("send"), where),
        expect=cast(ExpectKind, expect),
        fact=_optional_string(item.get("fact"), f"{where}: 'fact'"),
        snippets=_requirements(item.get("snippets"), f"{where}: 'snippets'"),
        family=_optional_string(item.get("family"), f"{where}: 'family'"),
        forbidden=_strings(item.get("forbidden"), f"{where}: 'forbidden'", required=False),
        note=_optional_string(item.get("note"), f"{where}: 'note'") or "",
        case_class=_optional_string(item.get("class"), f"{where}: 'class'"),
        mentions=_requirements(item.get("mentions"), f"{where}: 'mentions'"),
        language=_choice(item.get("language"), LANGUAGES, f"{where}: 'language'"),
        code=_choice(item.get("code"), CODE_CHECKS, f"{where}: 'code'"),
        handoff=_optional_bool(item.get("handoff"), f"{where}: 'handoff'"),
    )
    _check_expectation(case, where, families)
    return case


def _choice(raw: Any, allowed: tuple[Any, ...], where: str) -> Any:
    if raw is None or raw in allowed:
        return raw
    raise CaseFileError(f"{where} must be one of {', '.join(allowed)}")


def _optional_bool(raw: Any, where: str) -> bool | None:
    if raw is None or isinstance(raw, bool):
        return raw
    raise CaseFileError(f"{where} must be true or false")


def _check_expectation(case: Case, where: str, families: Mapping[str, FamilySpec]) -> None:
    if case.expect == "answer" and not (case.fact and case.snippets):
        raise CaseFileError(f"{where}: expect 'answer' needs 'fact' (a title) and 'snippets'")
    if case.expect != "answer" and case.fact is not None:
        raise CaseFileError(f"{where}: 'fact' is only for expect 'answer'")
    if case.expect == "family" and not (case.family and case.snippets):
        raise CaseFileError(f"{where}: expect 'family' needs 'family' and 'snippets'")
    if case.expect in ("handoff", "decline") and case.snippets:
        raise CaseFileError(f"{where}: expect '{case.expect}' takes no 'snippets'")
    if case.expect == "handoff" and case.handoff is False:
        raise CaseFileError(f"{where}: expect 'handoff' contradicts 'handoff: false'")
    if case.family is not None and case.family not in families:
        known = ", ".join(sorted(families)) or "none"
        raise CaseFileError(f"{where}: unknown family {case.family!r} (known: {known})")


def _turns(raw: Any, where: str) -> tuple[tuple[str, ...], ...]:
    """``send``: a message, or a list of turns (a turn: a message or a list of messages)."""
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items:
        raise CaseFileError(f"{where}: 'send' must be a message or a non-empty list of turns")
    turns = []
    for number, turn in enumerate(items, 1):
        messages = [turn] if isinstance(turn, str) else turn
        if not isinstance(messages, list) or not messages:
            raise CaseFileError(f"{where}: turn {number} of 'send' must be text or a list of texts")
        if not all(isinstance(text, str) and text.strip() for text in messages):
            raise CaseFileError(
                f"{where}: turn {number} of 'send' has an empty or non-text message"
            )
        turns.append(tuple(messages))
    return tuple(turns)


def _requirements(raw: Any, where: str) -> tuple[Requirement, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise CaseFileError(f"{where} must be a list (an item: text, or a list of alternatives)")
    found = []
    for item in raw:
        alternatives = [item] if isinstance(item, str) else item
        if not isinstance(alternatives, list) or not alternatives:
            raise CaseFileError(f"{where}: {item!r} is neither text nor a list of alternatives")
        if not all(isinstance(text, str) and text.strip() for text in alternatives):
            raise CaseFileError(f"{where}: {item!r} has an empty or non-text alternative")
        found.append(tuple(alternatives))
    return tuple(found)


def _families(raw: Any, source: str) -> dict[str, FamilySpec]:
    if raw is None:
        return {}
    table = _mapping(raw, f"{source}: 'families'")
    families = {}
    for key, value in table.items():
        where = f"{source}: family {key!r}"
        spec = _mapping(value, where)
        _no_unknown(spec, frozenset({"code", "markers"}), where)
        code = spec.get("code")
        if not isinstance(code, str) or not code.strip():
            raise CaseFileError(f"{where}: 'code' must be a non-empty string")
        markers = _strings(spec.get("markers"), f"{where}: 'markers'")
        families[str(key)] = FamilySpec(str(key), code.strip(), markers)
    return families


def _fact_markers(raw: Any, source: str) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    table = _mapping(raw, f"{source}: 'facts'")
    return {
        str(title): _strings(markers, f"{source}: markers of fact {title!r}")
        for title, markers in table.items()
    }


def _unique_ids(cases: tuple[Case, ...], source: str) -> None:
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise CaseFileError(f"{source}: case {case.id!r}: the id is used twice")
        seen.add(case.id)


def _mapping(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise CaseFileError(f"{where} must be a mapping")
    return raw


def _no_unknown(item: dict[str, Any], known: frozenset[str], where: str) -> None:
    unknown = sorted(str(key) for key in item if key not in known)
    if unknown:
        raise CaseFileError(f"{where}: unknown field(s) {', '.join(unknown)}")


def _strings(raw: Any, where: str, *, required: bool = True) -> tuple[str, ...]:
    if raw is None and not required:
        return ()
    if not isinstance(raw, list) or (required and not raw):
        raise CaseFileError(f"{where} must be a {'non-empty ' if required else ''}list of texts")
    if not all(isinstance(item, str) and item.strip() for item in raw):
        raise CaseFileError(f"{where} must contain non-empty texts only")
    return tuple(item.strip() for item in raw)


def _optional_string(raw: Any, where: str) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise CaseFileError(f"{where} must be a non-empty string")
    return raw.strip()


def _date(raw: Any, where: str) -> date:
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise CaseFileError(f"{where} must be a date (YYYY-MM-DD)")
