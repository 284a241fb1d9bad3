"""The office hours of the staff desk: when a human is expected to answer.

``HANDOFF_BUSINESS_HOURS`` lists groups separated by ``;``. A group is a day
or a range of days, then one or more time ranges separated by commas::

    mon-fri 09:30-12:00,14:30-18:00; sat 09:30-12:00

Days are English or French abbreviations (``mon``/``lun`` ... ``sun``/``dim``);
a group may also list days (``mon,wed``). Times are local to
``HANDOFF_TIMEZONE``. Anything else is a :class:`ConfigError` at start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from concierge_common.errors import ConfigError
from concierge_common.french.languages import FRENCH, Language
from handoff.hours_words import WORDS, HoursWords

DEFAULT_HOURS = "mon-fri 09:30-12:00,14:30-18:00; sat 09:30-12:00"
DEFAULT_TIMEZONE = "Europe/Paris"

_DAYS = {
    **{name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{name: i for i, name in enumerate(("lun", "mar", "mer", "jeu", "ven", "sam", "dim"))},
}
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class Span:
    """One opening, ``start`` included, ``end`` excluded (the same day)."""

    start: time
    end: time


@dataclass(frozen=True)
class Group:
    """Days (0 = Monday) sharing the same openings, as written (for the description)."""

    days: tuple[int, ...]
    spans: tuple[Span, ...]
    is_range: bool


@dataclass(frozen=True)
class BusinessHours:
    """The weekly openings in one time zone."""

    groups: tuple[Group, ...]
    zone: ZoneInfo

    def spans_on(self, weekday: int) -> list[Span]:
        found = [span for group in self.groups if weekday in group.days for span in group.spans]
        return sorted(found, key=lambda span: span.start)

    def is_open(self, at: datetime) -> bool:
        """Whether ``at`` (an aware datetime) falls in an opening."""
        local = at.astimezone(self.zone)
        moment = local.time().replace(tzinfo=None)
        return any(span.start <= moment < span.end for span in self.spans_on(local.weekday()))

    def next_opening(self, at: datetime) -> datetime:
        """``at`` itself when open, else the start of the next opening (in the zone)."""
        if self.is_open(at):
            return at
        local = at.astimezone(self.zone)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            for span in self.spans_on(day.weekday()):
                start = datetime.combine(day, span.start, tzinfo=self.zone)
                if start > local:
                    return start
        raise ConfigError("business hours have no opening")  # parse() forbids this

    def describe(self, language: Language = FRENCH) -> str:
        """``du lundi au vendredi de 9h30 à 12h et de 14h30 à 18h, le samedi ...`` (in
        ``language``: :mod:`handoff.hours_words`)."""
        words = WORDS[language]
        return ", ".join(_describe_group(group, words) for group in self.groups)

    def describe_next(self, at: datetime, language: Language = FRENCH) -> str:
        """When the next opening starts, ``aujourd'hui à 14h30``, ``lundi à 9h30``."""
        words = WORDS[language]
        start = self.next_opening(at)
        local = at.astimezone(self.zone)
        days = (start.date() - local.date()).days
        if days == 0:
            when = words.today
        elif days == 1:
            when = words.tomorrow
        else:
            when = words.days[start.weekday()]
        return words.at.format(when=when, time=format_time(start.time()))


def parse(spec: str, timezone: str = DEFAULT_TIMEZONE) -> BusinessHours:
    """Build :class:`BusinessHours` or raise :class:`ConfigError` saying what is wrong."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"HANDOFF_TIMEZONE: unknown time zone {timezone!r}") from exc
    groups = tuple(_parse_group(part.strip()) for part in spec.split(";") if part.strip())
    if not groups:
        raise ConfigError("HANDOFF_BUSINESS_HOURS: no opening at all")
    return BusinessHours(groups=groups, zone=zone)


def _parse_group(text: str) -> Group:
    days_text, _, spans_text = text.partition(" ")
    if not spans_text.strip():
        raise ConfigError(f"HANDOFF_BUSINESS_HOURS: {text!r} needs days then hours")
    days, is_range = _parse_days(days_text.lower())
    spans = tuple(_parse_span(part.strip()) for part in spans_text.split(","))
    return Group(days=days, spans=spans, is_range=is_range)


def _parse_days(text: str) -> tuple[tuple[int, ...], bool]:
    if "-" in text:
        first, _, last = text.partition("-")
        start, end = _day(first), _day(last)
        if end < start:
            raise ConfigError(f"HANDOFF_BUSINESS_HOURS: day range {text!r} runs backwards")
        return tuple(range(start, end + 1)), end > start
    return tuple(_day(name) for name in text.split(",")), False


def _day(name: str) -> int:
    try:
        return _DAYS[name.strip()]
    except KeyError:
        raise ConfigError(f"HANDOFF_BUSINESS_HOURS: unknown day {name!r}") from None


def _parse_span(text: str) -> Span:
    match = _RANGE.match(text)
    if match is None:
        raise ConfigError(f"HANDOFF_BUSINESS_HOURS: {text!r} is not HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise ConfigError(f"HANDOFF_BUSINESS_HOURS: {text!r} is not a time of day")
    end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
    start = time(h1, m1)
    if end <= start:
        raise ConfigError(f"HANDOFF_BUSINESS_HOURS: {text!r} ends before it starts")
    return Span(start=start, end=end)


def format_time(moment: time) -> str:
    """French clock time: ``9h30``, ``12h``, ``24h`` for the end of the day."""
    if moment >= time(23, 59, 59):
        return "24h"
    return f"{moment.hour}h{moment.minute:02d}" if moment.minute else f"{moment.hour}h"


def _describe_group(group: Group, words: HoursWords) -> str:
    names = words.days
    if group.is_range:
        days = words.range_of_days.format(first=names[group.days[0]], last=names[group.days[-1]])
    else:
        days = words.on_days.format(days=_join([names[day] for day in group.days], words))
    spans = [
        words.span.format(start=format_time(s.start), end=format_time(s.end)) for s in group.spans
    ]
    return f"{days} {_join(spans, words)}"


def _join(parts: list[str], words: HoursWords) -> str:
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + f" {words.and_} " + parts[-1]
