"""A source's rows as families: one row per child, rows sharing the family key together.

The family's name and parents are read from its first row. ``parents`` lists names
separated by ``;`` or new lines; ``sessions`` lists dated sessions the same way,
each ``<day> [<time>[-<end>]] [<place>]``: ``2026-12-16 17:00-18:00 église
Saint-Martin``, ``13/01/2027 10h``, ``2027-01-13``. A row that cannot be read
(no family key, no first name, a session without a day) is skipped and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from concierge_common.contracts.store_api import FamilyChild, FamilySession
from store.importing.cells import Row
from store.importing.facts import Skipped
from store.importing.mapping import FamilyColumns
from store.importing.moments import parse_day

_LIST = re.compile(r"[;\n]+")
_SESSION = re.compile(
    r"^(?P<day>\S+)(?:\s+(?P<time>\d{1,2}[:h]\d{0,2})(?:\s*-\s*(?P<end>\d{1,2}[:h]\d{0,2}))?)?"
    r"(?:\s+(?P<place>.+))?$"
)


@dataclass
class FamilyRow:
    key: str
    name: str
    parents: list[str]
    children: list[FamilyChild] = field(default_factory=list)


def families_of(rows: list[Row], columns: FamilyColumns) -> tuple[list[FamilyRow], list[Skipped]]:
    families: dict[str, FamilyRow] = {}
    skipped: list[Skipped] = []
    for line, row in enumerate(rows, start=1):
        try:
            key, child = _child(row, columns)
        except ValueError as exc:
            skipped.append(Skipped(line, str(exc)))
            continue
        family = families.get(key)
        if family is None:
            name = _cell(row, columns.name) or key
            family = families[key] = FamilyRow(key, name, _names(_cell(row, columns.parents)))
        family.children.append(child)
    return list(families.values()), skipped


def _cell(row: Row, column: str) -> str:
    return row.get(column, "").strip() if column else ""


def _names(text: str) -> list[str]:
    return [name.strip() for name in _LIST.split(text) if name.strip()]


def _child(row: Row, columns: FamilyColumns) -> tuple[str, FamilyChild]:
    key = _cell(row, columns.key)
    first_name = _cell(row, columns.child_first_name)
    if not key or not first_name:
        raise ValueError("no family key or no child's first name")
    child = FamilyChild(
        first_name=first_name,
        last_name=_cell(row, columns.child_last_name),
        group=_cell(row, columns.group),
        catechist=_cell(row, columns.catechist),
        schedule=_cell(row, columns.schedule),
        next_sessions=[_session(text) for text in _names(_cell(row, columns.sessions))],
    )
    return key, child


def _session(text: str) -> FamilySession:
    match = _SESSION.match(text)
    day = parse_day(match.group("day")) if match else None
    if match is None or day is None:
        raise ValueError(f"a session without a day: {text[:40]!r}")
    return FamilySession(
        date=day.isoformat(),
        time=_clock(match.group("time")),
        end=_clock(match.group("end")),
        place=match.group("place"),
    )


def _clock(text: str | None) -> str | None:
    if not text:
        return None
    hours, _, minutes = text.replace("h", ":").partition(":")
    return f"{int(hours):02d}:{int(minutes or 0):02d}"
