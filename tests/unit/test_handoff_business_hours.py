"""Office hours: parsing HANDOFF_BUSINESS_HOURS, open or not, next opening, French words."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from concierge_common import settings
from concierge_common.errors import ConfigError
from handoff.business_hours import DEFAULT_HOURS, parse
from handoff.settings import HandoffSettings

PARIS = ZoneInfo("Europe/Paris")
HOURS = parse(DEFAULT_HOURS, "Europe/Paris")


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026 in Paris (the 2nd is a Monday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS)


def test_the_default_hours_are_described_in_french() -> None:
    assert HOURS.describe() == (
        "du lundi au vendredi de 9h30 à 12h et de 14h30 à 18h, le samedi de 9h30 à 12h"
    )


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (paris(3, 9, 30), True),  # Tuesday, opening minute
        (paris(3, 11, 59), True),
        (paris(3, 12, 0), False),  # the end is excluded
        (paris(3, 13, 0), False),  # lunch
        (paris(3, 17, 0), True),
        (paris(7, 10, 0), True),  # Saturday morning
        (paris(7, 15, 0), False),  # Saturday afternoon
        (paris(8, 10, 0), False),  # Sunday
    ],
)
def test_is_open_follows_the_local_openings(moment: datetime, is_open: bool) -> None:
    assert HOURS.is_open(moment) is is_open


def test_is_open_converts_utc_into_the_configured_zone() -> None:
    utc_nine = datetime(2026, 11, 3, 9, 0, tzinfo=ZoneInfo("UTC"))  # 10:00 in Paris
    assert HOURS.is_open(utc_nine)
    assert not HOURS.is_open(datetime(2026, 11, 3, 8, 0, tzinfo=ZoneInfo("UTC")))  # 9:00


def test_next_opening_is_now_when_open_and_the_next_start_otherwise() -> None:
    assert HOURS.next_opening(paris(3, 10)) == paris(3, 10)
    assert HOURS.next_opening(paris(3, 12, 30)) == paris(3, 14, 30)
    assert HOURS.next_opening(paris(7, 13)) == paris(9, 9, 30)  # Saturday noon -> Monday


def test_the_next_opening_is_said_in_french() -> None:
    assert HOURS.describe_next(paris(3, 12, 30)) == "aujourd'hui à 14h30"
    assert HOURS.describe_next(paris(3, 19)) == "demain à 9h30"
    assert HOURS.describe_next(paris(7, 13)) == "lundi à 9h30"


def test_days_may_be_listed_in_french_and_single_groups_use_le() -> None:
    hours = parse("lun,mer 08:00-09:15; dim 10:00-11:00", "Europe/Paris")
    assert hours.describe() == "le lundi et mercredi de 8h à 9h15, le dimanche de 10h à 11h"
    assert hours.is_open(paris(4, 8, 30))  # Wednesday
    assert not hours.is_open(paris(3, 8, 30))  # Tuesday


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "mon-fri",
        "mon-fri 9h-12h",
        "funday 09:00-12:00",
        "fri-mon 09:00-12:00",
        "mon 12:00-09:00",
        "mon 25:00-26:00",
        "mon 09:00-12:60",
    ],
)
def test_invalid_hours_are_a_config_error(spec: str) -> None:
    with pytest.raises(ConfigError, match="HANDOFF_BUSINESS_HOURS"):
        parse(spec, "Europe/Paris")


def test_an_unknown_time_zone_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="HANDOFF_TIMEZONE"):
        parse(DEFAULT_HOURS, "Europe/Atlantis")


def test_the_service_refuses_to_start_with_invalid_hours() -> None:
    env = {
        "NATS_URL": "nats://127.0.0.1:4222",
        "CONVERSATION_ID_KEY": "k" * 32,
        "HANDOFF_BUSINESS_HOURS": "mon 18:00-09:00",
    }
    with pytest.raises(ConfigError, match="ends before it starts"):
        settings.load(HandoffSettings, env)


def test_the_service_refuses_a_zero_sweep_period() -> None:
    env = {"NATS_URL": "nats://x", "CONVERSATION_ID_KEY": "k" * 32, "HANDOFF_SWEEP_SECONDS": "0"}
    with pytest.raises(ConfigError, match="HANDOFF_SWEEP_SECONDS"):
        settings.load(HandoffSettings, env)
