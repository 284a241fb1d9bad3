"""A source's mapping file (TOML): where its rows are, and which column is which field.

::

    [source]
    name = "annonces"            # stable: it keys every row imported from here
    kind = "baserow"             # csv | xlsx | google_csv | google_sheets | baserow
    interval_minutes = 60        # synced by the store service this often (0: by hand only)

    [source.baserow]
    url = "https://api.baserow.io"
    table_id = 1234
    token_env = "BASEROW_TOKEN"  # the token is read from this variable, never the file

    [facts]                      # or [families]
    key = "id"
    title = "Titre"
    ...

Relative file paths are relative to the mapping file. A mistake is a
:class:`ConfigError` naming the file and the setting.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from concierge_common.errors import ConfigError

Kind = Literal["csv", "xlsx", "google_csv", "google_sheets", "baserow"]
KINDS: tuple[str, ...] = ("csv", "xlsx", "google_csv", "google_sheets", "baserow")
GOOGLE_EXPORT = "https://docs.google.com/spreadsheets/d/{sheet_id}/export?format=csv&gid={gid}"
SHEETS_API = "https://sheets.googleapis.com"
# Google's own name for the variable holding a service account's key file.
DEFAULT_KEY_FILE_ENV = "GOOGLE_APPLICATION_CREDENTIALS"


@dataclass(frozen=True)
class FileLocation:
    path: Path
    sheet: str = ""  # xlsx: the sheet's name (default: the first one)
    delimiter: str = ","  # csv


@dataclass(frozen=True)
class GoogleLocation:
    url: str  # the sheet's CSV export


@dataclass(frozen=True)
class SheetsApiLocation:
    """A range of a sheet read through the Sheets API v4 as a service account."""

    sheet_id: str
    range: str = "A1:ZZ"  # A1 notation; a tab's name alone is the whole tab
    key_file: Path | None = None  # the service account's JSON key, or from key_file_env
    key_file_env: str = DEFAULT_KEY_FILE_ENV
    api_url: str = SHEETS_API


@dataclass(frozen=True)
class BaserowLocation:
    url: str
    table_id: int
    token_env: str
    page_size: int = 100


Location = FileLocation | GoogleLocation | SheetsApiLocation | BaserowLocation


@dataclass(frozen=True)
class FactColumns:
    title: str
    content: str
    key: str = ""  # empty: the title keys the row
    valid_from: str = ""
    valid_until: str = ""
    service: str = ""  # a column naming each row's service
    default_service: str = ""  # the service of rows without one


@dataclass(frozen=True)
class FamilyColumns:
    """One row per child; rows sharing the family key make one family."""

    service: str  # the service's name (CATECHESE)
    key: str
    name: str
    child_first_name: str
    parents: str = ""
    child_last_name: str = ""
    group: str = ""
    catechist: str = ""
    schedule: str = ""
    sessions: str = ""


@dataclass(frozen=True)
class Mapping:
    name: str
    kind: Kind
    location: Location
    facts: FactColumns | None = None
    families: FamilyColumns | None = None
    interval_minutes: float = 0.0
    allow_empty: bool = False
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Paris"))
    origin: Path = Path()

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


def load_mapping(path: Path) -> Mapping:
    """The mapping in ``path``; ConfigError naming the file for any mistake."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the mapping {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not TOML: {exc}") from exc
    try:
        return _mapping(raw, path)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def _mapping(raw: dict[str, Any], path: Path) -> Mapping:
    source = _table(raw, "source")
    name = _text(source, "name")
    kind = _text(source, "kind")
    if kind not in KINDS:
        raise ValueError(f"source.kind must be one of {', '.join(KINDS)}")
    if ("facts" in raw) == ("families" in raw):
        raise ValueError("give either a [facts] or a [families] table")
    try:
        zone = ZoneInfo(str(source.get("timezone", "Europe/Paris")))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("source.timezone is not a known time zone") from exc
    return Mapping(
        name=name,
        kind=kind,  # type: ignore[arg-type]  # checked against KINDS
        location=_location(kind, source, path.parent),
        facts=FactColumns(**_columns(raw["facts"])) if "facts" in raw else None,
        families=FamilyColumns(**_columns(raw["families"])) if "families" in raw else None,
        interval_minutes=float(source.get("interval_minutes", 0)),
        allow_empty=bool(source.get("allow_empty", False)),
        timezone=zone,
        origin=path,
    )


def _location(kind: str, source: dict[str, Any], folder: Path) -> Location:
    if kind in ("csv", "xlsx"):
        where = _table(source, "file")
        path = Path(_text(where, "path"))
        return FileLocation(
            path=path if path.is_absolute() else folder / path,
            sheet=str(where.get("sheet", "")),
            delimiter=str(where.get("delimiter", ",")),
        )
    if kind == "google_csv":
        where = _table(source, "google")
        if "url" in where:
            return GoogleLocation(url=_text(where, "url"))
        sheet_id, gid = _text(where, "sheet_id"), str(where.get("gid", "0"))
        return GoogleLocation(url=GOOGLE_EXPORT.format(sheet_id=sheet_id, gid=gid))
    if kind == "google_sheets":
        return _sheets_api(_table(source, "google"), folder)
    where = _table(source, "baserow")
    page_size = int(where.get("page_size", 100))
    if not 1 <= page_size <= 200:
        raise ValueError("source.baserow.page_size must be between 1 and 200")
    return BaserowLocation(
        url=_text(where, "url").rstrip("/"),
        table_id=int(where["table_id"]),
        token_env=_text(where, "token_env"),
        page_size=page_size,
    )


def _sheets_api(where: dict[str, Any], folder: Path) -> SheetsApiLocation:
    key_file = None
    if "key_file" in where:
        path = Path(_text(where, "key_file"))
        key_file = path if path.is_absolute() else folder / path
    return SheetsApiLocation(
        sheet_id=_text(where, "sheet_id"),
        range=_text(where, "range") if "range" in where else SheetsApiLocation.range,
        key_file=key_file,
        key_file_env=_text(where, "key_file_env")
        if "key_file_env" in where
        else DEFAULT_KEY_FILE_ENV,
        api_url=(_text(where, "api_url") if "api_url" in where else SHEETS_API).rstrip("/"),
    )


def _table(raw: dict[str, Any], name: str) -> dict[str, Any]:
    value = raw.get(name)
    if not isinstance(value, dict):
        raise ValueError(f"a [{name}] table is required")
    return value


def _text(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string")
    return value.strip()


def _columns(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise ValueError("column names must be strings")
    return dict(raw)
