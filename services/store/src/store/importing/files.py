"""Rows of a CSV or XLSX file (or the bytes of one, e.g. a sheet's CSV export).

The first row names the columns; rows with every cell empty are skipped. CSV is
read as UTF-8 (a byte-order mark is ignored, as spreadsheets write one).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl  # type: ignore[import-untyped]

from concierge_common.errors import ConfigError
from store.importing.cells import Row, as_row
from store.importing.mapping import FileLocation


def read_file(location: FileLocation, kind: str) -> list[Row]:
    try:
        data = location.path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {location.path}: {exc.strerror}") from exc
    if kind == "xlsx":
        return xlsx_rows(data, location.sheet)
    return csv_rows(data, location.delimiter)


def csv_rows(data: bytes, delimiter: str = ",") -> list[Row]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError("the CSV is not UTF-8") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    return _filled(as_row(dict(line)) for line in reader)


def xlsx_rows(data: bytes, sheet: str = "") -> list[Row]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not XLSX
        raise ConfigError(f"not an XLSX file: {type(exc).__name__}") from exc
    try:
        if sheet and sheet not in book.sheetnames:
            raise ConfigError(f"no sheet {sheet!r} in the XLSX file")
        lines = list((book[sheet] if sheet else book.worksheets[0]).iter_rows(values_only=True))
    finally:
        book.close()
    if not lines:
        return []
    header = [str(name).strip() if name is not None else "" for name in lines[0]]
    return _filled(as_row(_cells(header, line)) for line in lines[1:])


def _cells(header: list[str], line: tuple[Any, ...]) -> dict[str, Any]:
    return {name: value for name, value in zip(header, line, strict=False) if name}


def _filled(rows: Any) -> list[Row]:
    return [row for row in rows if any(row.values())]
