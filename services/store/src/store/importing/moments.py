"""Dates and times as people type them in a sheet: ``2026-12-24``, ``24/12/2026 18:30``,
``2026-12-24T18:30:00+01:00``. A time without a zone is in the source's time zone.

A day alone opens a window at its first instant; as the end of a window it
includes the day (``valid_until = 2026-12-25``: valid to the 26th at midnight).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_FRENCH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2})[:h](\d{2}))?$")


def parse_day(text: str) -> date | None:
    """A day in ISO or French order; None when the text is none."""
    text = text.strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    match = _FRENCH.match(text)
    if match is None:
        return None
    day, month, year = (int(part) for part in match.group(1, 2, 3))
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_moment(text: str, zone: ZoneInfo, *, end: bool = False) -> datetime:
    """An aware instant; ValueError when the text is no date. ``end``: a day alone
    means its end (the next midnight)."""
    text = text.strip()
    french = _FRENCH.match(text)
    if french is not None and french.group(4) is not None:
        day = parse_day(text)
        if day is None:
            raise ValueError(text)
        clock = time(int(french.group(4)), int(french.group(5)))
        return datetime.combine(day, clock, tzinfo=zone)
    if len(text) > 10:
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)
    day = parse_day(text)
    if day is None:
        raise ValueError(text)
    start = datetime.combine(day, time(), tzinfo=zone)
    return start + timedelta(days=1) if end else start
