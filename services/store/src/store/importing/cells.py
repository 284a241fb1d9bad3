"""A source's cells as text: what CSV gives, and what XLSX and Baserow give turned into it."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

Row = dict[str, str]


def as_text(value: Any) -> str:
    """A cell as text: ``None`` is empty, a date ISO, Baserow's select options their values."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict):
        return as_text(value.get("value", value.get("name", "")))
    if isinstance(value, list):
        return ", ".join(text for text in (as_text(item) for item in value) if text)
    return str(value).strip()


def as_row(values: dict[str, Any]) -> Row:
    return {str(name).strip(): as_text(value) for name, value in values.items() if name}
