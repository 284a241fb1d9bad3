"""The one way the repositories turn "no row" into NotFound."""

from __future__ import annotations

from typing import TypeVar

from concierge_common.errors import NotFound

T = TypeVar("T")


def found(value: T | None, what: str) -> T:
    """``value`` itself, or NotFound naming ``what`` ("service 1234...") when it is None."""
    if value is None:
        raise NotFound(f"{what} not found")
    return value
