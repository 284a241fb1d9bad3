"""The .ics of a family's catechism sessions: RFC 5545 structure, folding, dates and hours."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest

from ai import calendar_ics
from ai.calendar_ics import calendar, events, fold, hours_of, location_of
from ai.family import Child, Session

TODAY = date(2026, 12, 9)
STAMP = datetime(2026, 12, 9, 8, 30, tzinfo=UTC)
LEA = Child(
    first_name="Léa",
    group="Groupe Samuel (CE1-CE2)",
    catechist="Anne Mercier",
    schedule="le mercredi de 10h à 11h15, salle Saint-Joseph",
    sessions=(*(Session(date(2026, 12, d)) for d in (2, 9, 16)), Session(date(2027, 1, 6))),
)
HUGO = Child(
    first_name="Hugo",
    group="Éveil à la foi (3-6 ans)",
    catechist="Sœur Marie-Pierre",
    schedule="un dimanche par mois pendant la messe de 11h, salle Saint-Joseph",
    sessions=(Session(date(2026, 11, 15)), Session(date(2026, 12, 13))),
)


def _ics(*children: Child) -> str:
    data = calendar(events(children, TODAY, reference="ref"), stamp=STAMP, name="Catéchèse")
    return data.decode()


def _unfolded(text: str) -> list[str]:
    assert text.endswith("\r\n")
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def _values(lines: list[str], name: str) -> list[str]:
    """The values of property ``name`` in the VEVENTs, in order."""
    values, inside = [], False
    for line in lines:
        inside = line == "BEGIN:VEVENT" or (inside and line != "END:VEVENT")
        if inside and re.match(f"{name}[;:]", line):
            values.append(line.split(":", 1)[1])
    return values


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ("le mercredi de 10h à 11h15, salle Saint-Joseph", (time(10), time(11, 15))),
        ("un samedi sur deux de 10h à 11h30, salle Saint-Paul", (time(10), time(11, 30))),
        ("le jeudi de 9 h 30 à 11 h", (time(9, 30), time(11))),
        ("le mardi 17h-18h30", (time(17), time(18, 30))),
        ("le lundi de 18:00 à 19:15", (time(18), time(19, 15))),
        ("un dimanche par mois pendant la messe de 11h, salle Saint-Joseph", None),
        ("le mercredi à 10 h", None),
        ("de 11h à 10h", None),
        ("de 25h à 26h", None),
        ("", None),
    ],
)
def test_hours_are_read_from_the_schedule_when_it_gives_them(
    schedule: str, expected: tuple[time, time] | None
) -> None:
    assert hours_of(schedule) == expected


def test_the_location_is_what_follows_the_schedules_comma() -> None:
    assert location_of("le mercredi de 10h à 11h15, salle Saint-Joseph") == "Salle Saint-Joseph"
    assert location_of("le mercredi à 10 h") == ""


def test_the_file_is_a_vcalendar_with_one_vevent_per_future_session() -> None:
    lines = _unfolded(_ics(LEA, HUGO))
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    assert any(line.startswith("PRODID:") for line in lines)
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 4
    starts = _values(lines, "DTSTART")
    # 2 December and 15 November are past: never written; 9 December is today: kept.
    assert starts == [
        "20261209T100000",
        "20261213",
        "20261216T100000",
        "20270106T100000",
    ]
    uids = _values(lines, "UID")
    assert len(set(uids)) == 4
    assert set(_values(lines, "DTSTAMP")) == {"20261209T083000Z"}


def test_timed_sessions_are_in_europe_paris_with_its_vtimezone() -> None:
    lines = _unfolded(_ics(LEA))
    assert "BEGIN:VTIMEZONE" in lines
    assert "TZID:Europe/Paris" in lines
    assert "DTSTART;TZID=Europe/Paris:20261209T100000" in lines
    assert "DTEND;TZID=Europe/Paris:20261209T111500" in lines
    assert "SUMMARY:Catéchèse – Groupe Samuel (CE1-CE2) (Léa)" in lines
    assert "LOCATION:Salle Saint-Joseph" in lines


def test_sessions_without_hours_are_all_day_events() -> None:
    lines = _unfolded(_ics(HUGO))
    assert "DTSTART;VALUE=DATE:20261213" in lines
    assert "DTEND;VALUE=DATE:20261214" in lines
    assert "BEGIN:VTIMEZONE" not in lines  # no local time to place


def test_text_values_are_escaped() -> None:
    lines = _unfolded(_ics(LEA))
    [description] = set(_values(lines, "DESCRIPTION"))
    assert description == "le mercredi de 10h à 11h15\\, salle Saint-Joseph"
    assert calendar_ics.escape("a;b\\c\nd") == "a\\;b\\\\c\\nd"


def test_lines_end_with_crlf_and_are_folded_at_75_octets() -> None:
    long_group = Child(
        first_name="Éloïse",
        group="Groupe œcuménique des fêtes de l'Épiphanie et de la Pentecôte (CM1-CM2-6e)",
        catechist="",
        schedule="le mercredi de 14h à 15h30, salle paroissiale Notre-Dame-de-l'Assomption",
        sessions=(Session(date(2026, 12, 16)),),
    )
    data = calendar(events([long_group], TODAY, reference="ref"), stamp=STAMP)
    assert b"\n" not in data.replace(b"\r\n", b"")
    physical = data.split(b"\r\n")[:-1]
    assert max(len(line) for line in physical) <= 75
    assert any(line.startswith(b" ") for line in physical)  # something was folded
    for line in physical:
        line.decode()  # never cut inside a UTF-8 character
    assert (
        "SUMMARY:Catéchèse – Groupe œcuménique des fêtes de l'Épiphanie et de la Pentecôte"
        " (CM1-CM2-6e) (Éloïse)" in _unfolded(data.decode())
    )


def test_folding_keeps_short_lines_and_counts_octets_not_characters() -> None:
    assert fold("SUMMARY:court") == "SUMMARY:court"
    folded = fold("é" * 60)  # 120 octets
    first, second = folded.split("\r\n")
    assert len(first.encode()) <= 75
    assert second.startswith(" ")
    assert first + second[1:] == "é" * 60


def test_no_future_session_gives_no_event() -> None:
    assert events([HUGO], date(2027, 3, 1), reference="ref") == []


def test_the_same_request_writes_the_same_bytes() -> None:
    assert _ics(LEA, HUGO) == _ics(LEA, HUGO)


def test_a_sessions_own_time_and_place_win_over_the_schedules() -> None:
    moved = Child(
        first_name="Léa",
        last_name="Lefèvre",
        group="Groupe Samuel (CE1-CE2)",
        catechist="Anne Mercier",
        schedule="le mercredi de 10h à 11h15, salle Saint-Joseph",
        sessions=(
            Session(date(2026, 12, 12), time(14, 30), place="église Saint-Pierre"),
            Session(date(2026, 12, 16)),
            Session(date(2026, 12, 19), time(9, 0), time(12, 0)),
        ),
    )
    lines = _unfolded(_ics(moved))
    starts = [line for line in lines if line.startswith(("DTSTART;", "DTEND;", "LOCATION"))]
    assert starts == [
        "DTSTART;TZID=Europe/Paris:20261212T143000",
        "DTEND;TZID=Europe/Paris:20261212T154500",  # the schedule's length: 1 h 15
        "LOCATION:église Saint-Pierre",
        "DTSTART;TZID=Europe/Paris:20261216T100000",
        "DTEND;TZID=Europe/Paris:20261216T111500",
        "LOCATION:Salle Saint-Joseph",
        "DTSTART;TZID=Europe/Paris:20261219T090000",
        "DTEND;TZID=Europe/Paris:20261219T120000",
        "LOCATION:Salle Saint-Joseph",
    ]
    assert "SUMMARY:Catéchèse – Groupe Samuel (CE1-CE2) (Léa Lefèvre)" in lines


def test_a_timed_session_without_end_or_usual_hours_lasts_an_hour() -> None:
    child = Child("Hugo", "", "", "un dimanche par mois", (Session(date(2026, 12, 13), time(11)),))
    lines = _unfolded(_ics(child))
    assert "DTSTART;TZID=Europe/Paris:20261213T110000" in lines
    assert "DTEND;TZID=Europe/Paris:20261213T120000" in lines
