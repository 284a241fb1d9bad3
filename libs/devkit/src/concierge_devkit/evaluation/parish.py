"""The seeded parish as the evaluation sees it, and seeded with its dates moved to today.

The parish's facts have validity windows around a reference date (Advent and
Christmas 2026, Easter 2027, a summer 2026 schedule that has ended...). So
that a run on any day means the same, every validity bound and every session
date of the families is moved by the whole days between the reference date
and today (in the parish's time zone): today then stands for the reference
date, and the facts valid, expired or not yet valid are the same ones.

The starting content is the store's own (``store.seed``: the same data and
the same seeding code as ``python -m store seed``), imported from the
workspace like the runner starts ``python -m store``; a case file may name
another parish's seed file instead (``seed:``, read by the store's loader like
``python -m store seed --file``).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from concierge_common.errors import ConfigError
from concierge_devkit.evaluation.cases import CaseFileError
from store import migrations
from store import seed as store_seed

log = logging.getLogger(__name__)

PARISH_ZONE = ZoneInfo("Europe/Paris")
SeedData = store_seed.SeedData


@dataclass(frozen=True)
class ParishFact:
    service: str
    title: str
    content: str
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    def valid_at(self, at: datetime) -> bool:
        starts = self.valid_from is None or self.valid_from <= at
        return starts and (self.valid_to is None or at < self.valid_to)

    @property
    def dated(self) -> bool:
        return self.valid_from is not None or self.valid_to is not None


@dataclass(frozen=True)
class ParishFamily:
    code: str
    text: str  # every text of the family's record, for checking the case file


@dataclass(frozen=True)
class Parish:
    facts: tuple[ParishFact, ...]
    system_prompts: tuple[str, ...]
    prompts: tuple[str, ...]  # what the concierge may say as is (welcome, menu, notices...)
    families: tuple[ParishFamily, ...] = ()

    def fact(self, title: str) -> ParishFact | None:
        return next((fact for fact in self.facts if fact.title == title), None)

    def family(self, code: str) -> ParishFamily | None:
        return next((family for family in self.families if family.code == code), None)


def load_seed(path: Path | None = None) -> SeedData:
    """The seed file at ``path`` (another parish), else the store's own (the demo parish)."""
    if path is None:
        return store_seed.load()
    try:
        return store_seed.load_file(path)
    except ConfigError as exc:
        raise CaseFileError(f"the case file's seed: {exc}") from exc


def parish_of(data: SeedData) -> Parish:
    facts = tuple(
        ParishFact(service.name, info.title, info.content, info.valid_from, info.valid_to)
        for service in data.services
        for info in service.infos
    )
    return Parish(
        facts=facts,
        system_prompts=tuple(service.context.system_prompt for service in data.services),
        prompts=tuple(text for s in data.services for text in s.context.prompts.values()),
        families=tuple(
            ParishFamily(family.code, "\n".join(_texts(family.attributes)))
            for family in data.families
        ),
    )


def shift_days(reference: date, today: date) -> int:
    """How many days to move the parish's dates so that ``today`` stands for ``reference``."""
    return (today - reference).days


def today_in_parish(now: datetime | None = None) -> date:
    return (now or datetime.now(PARISH_ZONE)).astimezone(PARISH_ZONE).date()


def reference_moment(reference: date) -> datetime:
    """Noon of the reference date in the parish: what the case file is written for."""
    return datetime.combine(reference, time(12), PARISH_ZONE)


def shifted(data: SeedData, days: int) -> SeedData:
    """``data`` with every validity bound and family session date moved by ``days``."""
    if days == 0:
        return data
    delta = timedelta(days=days)
    services = [
        msgspec.structs.replace(service, infos=[_shift_info(info, delta) for info in service.infos])
        for service in data.services
    ]
    families = [
        msgspec.structs.replace(family, attributes=_shift_sessions(family.attributes, delta))
        for family in data.families
    ]
    return msgspec.structs.replace(data, services=services, families=families)


def _shift_info(info: store_seed.SeedInfo, delta: timedelta) -> store_seed.SeedInfo:
    return msgspec.structs.replace(
        info,
        valid_from=info.valid_from + delta if info.valid_from else None,
        valid_to=info.valid_to + delta if info.valid_to else None,
    )


def _shift_sessions(attributes: dict[str, Any], delta: timedelta) -> dict[str, Any]:
    moved = copy.deepcopy(attributes)
    for child in moved.get("children") or []:
        sessions = child.get("next_sessions") if isinstance(child, dict) else None
        if isinstance(sessions, list):
            child["next_sessions"] = [_shift_day(day, delta) for day in sessions]
    return moved


def _shift_day(day: Any, delta: timedelta) -> Any:
    """A session moved: ``"YYYY-MM-DD"``, ``"YYYY-MM-DDTHH:MM"`` or ``{"date": ...}``."""
    if isinstance(day, dict):
        return {**day, "date": _shift_day(day.get("date"), delta)}
    if isinstance(day, str) and "T" in day:
        moment, _, clock = day.partition("T")
        return f"{_shift_day(moment, delta)}T{clock}"
    try:
        return (date.fromisoformat(day) + delta).isoformat()
    except (TypeError, ValueError):
        return day  # not a date: left as is, the store seeds what it is given


async def seed_parish(database_url: str, intrinsic_id_key: str, data: SeedData) -> None:
    """Apply the store's migrations, then seed ``data`` (the store's own seeding)."""
    applied = await migrations.migrate(database_url, migrations.default_dir())
    report = await store_seed.seed_database(database_url, intrinsic_id_key, data)
    log.info("evaluation parish seeded (%d migration(s); %s)", len(applied), report)


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
