"""How office hours are said in each language the concierge answers in.

:mod:`handoff.business_hours` builds its descriptions ("du lundi au vendredi de
9h30 à 12h", "demain à 9h30") from these words, so that a person who wrote in
English, Portuguese or Spanish reads the hours in their language too. Clock
times keep the French form (``9h30``), which every reader of a parish's notices
understands.
"""

from __future__ import annotations

from dataclasses import dataclass

from concierge_common.french.languages import Language


@dataclass(frozen=True)
class HoursWords:
    days: tuple[str, str, str, str, str, str, str]  # Monday first
    range_of_days: str  # "{first}" and "{last}"
    on_days: str  # "{days}"
    span: str  # "{start}" and "{end}"
    and_: str
    today: str
    tomorrow: str
    at: str  # "{when}" and "{time}"


WORDS: dict[Language, HoursWords] = {
    "fr": HoursWords(
        days=("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
        range_of_days="du {first} au {last}",
        on_days="le {days}",
        span="de {start} à {end}",
        and_="et",
        today="aujourd'hui",
        tomorrow="demain",
        at="{when} à {time}",
    ),
    "en": HoursWords(
        days=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        range_of_days="from {first} to {last}",
        on_days="on {days}",
        span="from {start} to {end}",
        and_="and",
        today="today",
        tomorrow="tomorrow",
        at="{when} at {time}",
    ),
    "pt": HoursWords(
        days=("segunda", "terça", "quarta", "quinta", "sexta", "sábado", "domingo"),
        range_of_days="de {first} a {last}",
        on_days="ao {days}",
        span="das {start} às {end}",
        and_="e",
        today="hoje",
        tomorrow="amanhã",
        at="{when} às {time}",
    ),
    "es": HoursWords(
        days=("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
        range_of_days="de {first} a {last}",
        on_days="el {days}",
        span="de {start} a {end}",
        and_="y",
        today="hoy",
        tomorrow="mañana",
        at="{when} a las {time}",
    ),
}
