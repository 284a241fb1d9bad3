"""An iCalendar file (RFC 5545) of a family's upcoming catechism sessions, written by hand.

One ``VEVENT`` per session from today on (a past date is never written):

- a session's own time and place, when the record gives them, come first; an
  end time it lacks is its start plus the schedule's length (one hour when the
  schedule gives none);
- otherwise times come from the child's schedule text ("le mercredi de 10h à 11h15, salle
  Saint-Joseph"); they are the parish's local time, written with
  ``TZID=Europe/Paris`` and that zone's ``VTIMEZONE`` (the EU summer time rules),
  so every calendar places the session right whatever the phone's own zone;
  for another organisation zone the times are floating (local) times;
- a schedule without hours ("un dimanche par mois") gives all-day events
  (``VALUE=DATE``, ``DTEND`` the next day, as RFC 5545 wants);
- ``LOCATION`` is what follows the schedule's first comma ("salle Saint-Joseph");
- ``UID`` is a hash of the family's reference, the child and the day: the same
  session keeps its UID in every file, so importing a newer file updates it;
- ``DTSTAMP`` is the instant given (the request's time, not the clock: the same
  request writes the very same bytes).

Lines end with CRLF and are folded at 75 octets, never inside a UTF-8 character;
TEXT values escape ``\\``, ``;``, ``,`` and line breaks.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ai.family import Child, Session

PARIS = "Europe/Paris"
PRODID = "-//Concierge paroissial//Calendrier du catéchisme//FR"
LINE_OCTETS = 75
DEFAULT_LENGTH = timedelta(hours=1)  # a timed session whose end nothing says
CRLF = "\r\n"
# "de 10h à 11h15", "de 9 h 30 à 11 h", "10h-11h30", "de 10:00 à 11:15".
_HOURS = re.compile(
    r"(?:\bde\s+)?(\d{1,2})\s*(?:h|:)\s*(\d{2})?\s*(?:à|a|-|–)\s*(\d{1,2})\s*(?:h|:)\s*(\d{2})?",
    re.IGNORECASE,
)
VTIMEZONE_PARIS = (
    "BEGIN:VTIMEZONE",
    f"TZID:{PARIS}",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)


@dataclass(frozen=True)
class Event:
    """One session of one child."""

    uid: str
    day: date
    hours: tuple[time, time] | None  # None: all day
    summary: str
    location: str
    description: str


def hours_of(schedule: str) -> tuple[time, time] | None:
    """The start and end of a session read from its schedule, or None when it gives none."""
    found = _HOURS.search(schedule)
    if found is None:
        return None
    start_h, start_m, end_h, end_m = found.groups()
    try:
        start = time(int(start_h), int(start_m or 0))
        end = time(int(end_h), int(end_m or 0))
    except ValueError:
        return None
    return (start, end) if start < end else None


def location_of(schedule: str) -> str:
    """Where the sessions take place: what follows the schedule's first comma."""
    _, comma, place = schedule.partition(",")
    place = place.strip().rstrip(".")
    return place[:1].upper() + place[1:] if comma and place else ""


def summary_of(child: Child) -> str:
    if child.group:
        return f"Catéchèse – {child.group} ({child.full_name})"
    return f"Catéchèse ({child.full_name})"


def session_hours(session: Session, schedule: str) -> tuple[time, time] | None:
    """The session's own hours, else the schedule's; None: an all-day event."""
    usual = hours_of(schedule)
    if session.start is None:
        return usual
    if session.end is not None and session.start < session.end:
        return session.start, session.end
    length = DEFAULT_LENGTH
    if usual is not None:
        length = datetime.combine(date.min, usual[1]) - datetime.combine(date.min, usual[0])
    end = datetime.combine(session.day, session.start) + length
    return (session.start, end.time()) if end.date() == session.day else None


def events(children: Sequence[Child], today: date, *, reference: str) -> list[Event]:
    """Every session of ``children`` from ``today`` on, by date then child."""
    found = [
        Event(
            uid=_uid(reference, child.first_name, session.day),
            day=session.day,
            hours=session_hours(session, child.schedule),
            summary=summary_of(child),
            location=session.place or location_of(child.schedule),
            description=child.schedule,
        )
        for child in children
        for session in child.sessions
        if session.day >= today
    ]
    return sorted(found, key=lambda event: (event.day, event.summary))


def _uid(reference: str, first_name: str, day: date) -> str:
    digest = hashlib.sha256(f"{reference}\x1f{first_name}\x1f{day.isoformat()}".encode())
    return f"{digest.hexdigest()[:32]}@concierge"


def calendar(
    found: Sequence[Event], *, stamp: datetime, zone: str = PARIS, name: str = ""
) -> bytes:
    """The ``.ics`` file of ``found`` (UTF-8, CRLF, folded)."""
    zoned = zone == PARIS and any(event.hours for event in found)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    lines.append("METHOD:PUBLISH")
    if name:
        lines.append(f"X-WR-CALNAME:{escape(name)}")
    if zoned:
        lines += VTIMEZONE_PARIS
    stamped = stamp.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    for event in found:
        lines += _vevent(event, stamped, zoned)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines).encode()


def _vevent(event: Event, stamped: str, zoned: bool) -> list[str]:
    lines = ["BEGIN:VEVENT", f"UID:{event.uid}", f"DTSTAMP:{stamped}"]
    if event.hours is None:
        following = event.day + timedelta(days=1)
        lines.append(f"DTSTART;VALUE=DATE:{event.day:%Y%m%d}")
        lines.append(f"DTEND;VALUE=DATE:{following:%Y%m%d}")
    else:
        zone = f";TZID={PARIS}" if zoned else ""
        start, end = (datetime.combine(event.day, moment) for moment in event.hours)
        lines.append(f"DTSTART{zone}:{start:%Y%m%dT%H%M%S}")
        lines.append(f"DTEND{zone}:{end:%Y%m%dT%H%M%S}")
    lines.append(f"SUMMARY:{escape(event.summary)}")
    if event.location:
        lines.append(f"LOCATION:{escape(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape(event.description)}")
    lines += ["TRANSP:OPAQUE", "END:VEVENT"]
    return lines


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11)."""
    escaped = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return escaped.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    """``line`` folded into parts of at most 75 octets (continuations start with a space)."""
    parts: list[str] = []
    current, size, limit = "", 0, LINE_OCTETS
    for char in line:
        octets = len(char.encode())
        if size + octets > limit:
            parts.append(current)
            current, size, limit = "", 0, LINE_OCTETS - 1  # the leading space is an octet
        current += char
        size += octets
    parts.append(current)
    return (CRLF + " ").join(parts)
