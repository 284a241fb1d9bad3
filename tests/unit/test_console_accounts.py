"""The staff console's accounts, sign-in checks and the small helpers of its pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from concierge_common.contracts.store_api import InfoView
from concierge_common.errors import ConfigError
from gateway.console.accounts import Accounts, hash_password, password_matches
from gateway.console.catalog_pages import validity
from gateway.console.web import waited

NOW = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)


def test_a_password_matches_its_own_hash_only() -> None:
    encoded = hash_password("le-bon-mot-de-passe")
    assert password_matches("le-bon-mot-de-passe", encoded)
    assert not password_matches("un-autre-mot-de-passe", encoded)
    assert not password_matches("le-bon-mot-de-passe", "scrypt.not.a.valid.hash.at-all")


def test_accounts_authenticate_by_name_whatever_its_case() -> None:
    encoded = hash_password("secret-de-anne")
    accounts = Accounts.parse(f"Anne Martin:agent:{encoded}, Paul:admin:{encoded}")
    anne = accounts.authenticate("anne martin", "secret-de-anne")
    assert anne is not None
    assert (anne.name, anne.role) == ("Anne Martin", "agent")
    assert accounts.authenticate("Anne Martin", "faux") is None
    assert accounts.authenticate("Inconnu", "secret-de-anne") is None
    assert len(accounts) == 2


@pytest.mark.parametrize("entry", ["anne:agent", "anne:channel:scrypt.1", ":admin:scrypt.1", "x"])
def test_a_malformed_account_is_refused_without_echoing_it(entry: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Accounts.parse(entry)
    assert "entry 1" in str(raised.value)
    assert entry not in str(raised.value)


def _info(valid_from: datetime | None, valid_to: datetime | None) -> InfoView:
    return InfoView(
        id="i",
        service_id="s",
        title="t",
        content="c",
        valid_from=valid_from,
        valid_to=valid_to,
        created_at=NOW,
        updated_at=NOW,
    )


def test_a_facts_window_is_current_future_or_past_with_an_exclusive_end() -> None:
    day = timedelta(days=1)
    assert validity(_info(None, None), NOW) == "current"
    assert validity(_info(NOW - day, NOW + day), NOW) == "current"
    assert validity(_info(NOW + day, None), NOW) == "future"
    assert validity(_info(None, NOW), NOW) == "past"


def test_waiting_time_reads_in_minutes_hours_or_days() -> None:
    assert waited(NOW - timedelta(minutes=3), NOW) == "3 min"
    assert waited(NOW - timedelta(hours=2, minutes=5), NOW) == "2 h 05"
    assert waited(NOW - timedelta(days=3), NOW) == "3 j"
    assert waited(None, NOW) == ""
