"""A source's rows as facts: title, content, validity window and service of each.

A row is keyed by its ``key`` column (by its title when the mapping names none);
a row without a title or content, with a date that is no date, an empty window or
a key already seen is skipped and reported, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from store.importing.cells import Row
from store.importing.mapping import FactColumns
from store.importing.moments import parse_moment

MAX_TITLE = 200


@dataclass(frozen=True)
class Skipped:
    line: int  # the row's position in the source, 1 for the first row of data
    reason: str


@dataclass(frozen=True)
class FactRow:
    key: str
    service: str  # the service's name, upper case
    title: str
    content: str
    valid_from: datetime | None
    valid_to: datetime | None


def facts_of(
    rows: list[Row], columns: FactColumns, zone: ZoneInfo
) -> tuple[list[FactRow], list[Skipped]]:
    facts: list[FactRow] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    for line, row in enumerate(rows, start=1):
        try:
            fact = _fact(row, columns, zone)
        except ValueError as exc:
            skipped.append(Skipped(line, str(exc)))
            continue
        if fact.key in seen:
            skipped.append(Skipped(line, f"the key {fact.key[:40]!r} appears again"))
            continue
        seen.add(fact.key)
        facts.append(fact)
    return facts, skipped


def _fact(row: Row, columns: FactColumns, zone: ZoneInfo) -> FactRow:
    title = row.get(columns.title, "").strip()
    content = row.get(columns.content, "").strip()
    if not title or not content:
        raise ValueError("no title or no content")
    if len(title) > MAX_TITLE:
        raise ValueError(f"a title longer than {MAX_TITLE} characters")
    key = row.get(columns.key, "").strip() if columns.key else title
    if not key:
        raise ValueError(f"no key in {columns.key!r}")
    service = (row.get(columns.service, "") if columns.service else "").strip()
    service = (service or columns.default_service).strip().upper()
    if not service:
        raise ValueError("no service")
    valid_from = _moment(row, columns.valid_from, zone, end=False)
    valid_to = _moment(row, columns.valid_until, zone, end=True)
    if valid_from is not None and valid_to is not None and valid_from >= valid_to:
        raise ValueError("the validity window is empty")
    return FactRow(key, service, title, content, valid_from, valid_to)


def _moment(row: Row, column: str, zone: ZoneInfo, *, end: bool) -> datetime | None:
    text = row.get(column, "").strip() if column else ""
    if not text:
        return None
    try:
        return parse_moment(text, zone, end=end)
    except ValueError:
        raise ValueError(f"{column!r} is not a date: {text[:30]!r}") from None
