"""The Google Sheets API importer as a service account, against a local stand-in of Google's
token endpoint and values call that checks the signed JWT with the test key's public half:
a private sheet is synced, the token is kept until shortly before it expires, an expired
token is replaced once, rate limits are waited out, and a bad key fails clearly."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest

from concierge_common.contracts.store_api import ServiceWrite
from concierge_common.errors import ConfigError
from store.catalog import Catalog
from store.importing.google_account import TokenCache, assertion, load_account
from store.importing.google_sheets_api import sheets_api_rows
from store.importing.http_fetch import SourceRefused, TokenRefused
from store.importing.mapping import SheetsApiLocation, load_mapping
from store.importing.sync import run_sync
from support.fake_google_api import CLIENT_EMAIL, READONLY, SHEET_ID, FakeGoogleApi, throwaway_key
from support.import_sources import FACT_COLUMNS, Sleeps
from support.store_db import migrated_pool

VALUES = [
    ["id", "Titre", "Texte", "Début", "Fin", "Service"],
    ["1", "Messe du dimanche", "Messe à 10 h 30."],  # Google leaves trailing empty cells out
    ["2", "Messes de Noël", "Veillée à 18 h 30.", "01/12/2026", "25/12/2026"],
    ["3", "Inscriptions caté", "Toute l'année.", "2020-09-01", "2099-06-30", "CATECHESE"],
    [],
]


@dataclass
class Clock:
    now: float = field(default_factory=time.time)

    def __call__(self) -> float:
        return self.now


@dataclass
class Google:
    api: FakeGoogleApi
    private_pem: str
    key_file: Path
    folder: Path

    def location(self, sheet_range: str = "Annonces!A1:F") -> SheetsApiLocation:
        return SheetsApiLocation(
            sheet_id=SHEET_ID, range=sheet_range, key_file=self.key_file, api_url=self.api.url
        )


@pytest.fixture
def google(tmp_path: Path) -> Iterator[Google]:
    private_pem, public_key = throwaway_key()
    with FakeGoogleApi(public_key, values=[list(row) for row in VALUES]) as api:
        yield Google(api, private_pem, api.key_file(tmp_path, private_pem), tmp_path)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with migrated_pool(database_url) as pool:
        for name in ("RENSEIGNEMENT", "CATECHESE"):
            await Catalog(pool).create(ServiceWrite(name=name))
        yield pool


async def _rows(
    google: Google, tokens: TokenCache, sleeps: Sleeps | None = None
) -> list[dict[str, str]]:
    async with httpx.AsyncClient() as client:
        return await sheets_api_rows(
            client, google.location(), sleep=sleeps or Sleeps(), tokens=tokens
        )


async def test_a_private_sheet_is_synced_through_the_sheets_api_as_the_service_account(
    pool: asyncpg.Pool, google: Google, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARISH_SHEETS_KEY", str(google.key_file))
    mapping_file = google.folder / "drive.toml"
    mapping_file.write_text(
        '[source]\nname = "drive-privé"\nkind = "google_sheets"\n[source.google]\n'
        f'sheet_id = "{SHEET_ID}"\nrange = "Annonces!A1:F"\n'
        f'key_file_env = "PARISH_SHEETS_KEY"\napi_url = "{google.api.url}"\n' + FACT_COLUMNS,
        encoding="utf-8",
    )
    mapping = load_mapping(mapping_file)
    report = await run_sync(pool, mapping, sleep=Sleeps())
    assert (report.rows, report.added, report.skipped) == (3, 3, [])
    facts = await pool.fetch(
        "SELECT import_key, s.name AS service, valid_to FROM service_infos i"
        " JOIN services s ON s.id = i.service_id WHERE import_source = 'drive-privé'"
        " ORDER BY import_key"
    )
    assert [(row["import_key"], row["service"]) for row in facts] == [
        ("1", "RENSEIGNEMENT"),
        ("2", "RENSEIGNEMENT"),
        ("3", "CATECHESE"),
    ]
    assert facts[0]["valid_to"] is None
    assert google.api.ranges == ["Annonces!A1:F"]
    claims = google.api.claims[0]
    assert (claims["iss"], claims["scope"], claims["aud"]) == (
        CLIENT_EMAIL,
        READONLY,
        google.api.token_uri,
    )
    assert claims["exp"] - claims["iat"] <= 3600
    second = await run_sync(pool, mapping, sleep=Sleeps())
    assert (second.added, second.changed, second.retired, second.unchanged) == (0, 0, 0, 3)


async def test_the_token_is_kept_until_shortly_before_it_expires(google: Google) -> None:
    clock = Clock()
    tokens = TokenCache(clock)
    await _rows(google, tokens)
    clock.now += google.api.expires_in - 120
    await _rows(google, tokens)
    assert len(google.api.claims) == 1
    assert google.api.reads == ["Bearer ya29.fake-1", "Bearer ya29.fake-1"]
    clock.now += 90  # within the last minute of its life: a new one is asked for
    await _rows(google, tokens)
    assert len(google.api.claims) == 2
    assert google.api.reads[-1] == "Bearer ya29.fake-2"


async def test_an_expired_token_is_replaced_once_and_the_read_goes_on(google: Google) -> None:
    tokens = TokenCache(Clock())
    await _rows(google, tokens)
    google.api.expire_tokens()
    rows = await _rows(google, tokens)
    assert [row["id"] for row in rows] == ["1", "2", "3"]
    assert len(google.api.claims) == 2
    assert google.api.reads[-2:] == ["Bearer ya29.fake-1", "Bearer ya29.fake-2"]


async def test_a_token_refused_twice_fails_without_a_loop(
    google: Google, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = TokenCache(Clock())
    monkeypatch.setattr(google.api, "_valid", _NeverValid())
    with pytest.raises(TokenRefused, match="UNAUTHENTICATED"):
        await _rows(google, tokens)
    assert len(google.api.claims) == 2
    assert len(google.api.reads) == 2


class _NeverValid(set[str]):
    """A set of valid tokens that never holds any."""

    def add(self, element: str) -> None:
        """Issued, never accepted."""


async def test_rate_limits_on_both_calls_are_waited_out_as_retry_after_says(
    google: Google,
) -> None:
    google.api.busy.extend([(503, {"Retry-After": "7"}), (429, {"Retry-After": "3"})])
    sleeps = Sleeps()
    rows = await _rows(google, TokenCache(Clock()), sleeps)
    assert len(rows) == 3
    assert sleeps.waits == [7.0, 3.0]


async def test_a_jwt_signed_by_another_key_is_refused_and_the_key_never_shows(
    google: Google,
) -> None:
    other_pem, _ = throwaway_key()
    google.key_file = google.api.key_file(google.folder, other_pem, "other.json")
    with pytest.raises(SourceRefused) as refused:
        await _rows(google, TokenCache(Clock()))
    assert "invalid_grant" in str(refused.value)
    assert "PRIVATE KEY" not in str(refused.value)
    assert google.api.refused_grants == ["InvalidSignatureError"]
    assert google.api.reads == []


def test_a_key_file_without_its_fields_or_a_usable_key_is_a_config_error(
    tmp_path: Path,
) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"client_email": "x@y", "private_key": "secret-material"}', "utf-8")
    with pytest.raises(ConfigError, match="lacks token_uri"):
        load_account(path)
    path.write_text(
        '{"client_email": "x@y", "private_key": "secret-material", "token_uri": "http://t"}',
        "utf-8",
    )
    account = load_account(path)  # it loads: signing is where the key is used
    with pytest.raises(ConfigError) as bad:
        assertion(account, READONLY, 0.0)
    assert "secret-material" not in str(bad.value)


def test_the_mapping_names_the_key_file_or_its_variable(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    base = (
        f'[source]\nname = "d"\nkind = "google_sheets"\n[source.google]\nsheet_id = "{SHEET_ID}"\n'
    )
    path.write_text(base + 'key_file = "keys/sa.json"\n' + FACT_COLUMNS, "utf-8")
    location = load_mapping(path).location
    assert isinstance(location, SheetsApiLocation)
    assert location.key_file == tmp_path / "keys" / "sa.json"
    assert location.api_url == "https://sheets.googleapis.com"
    path.write_text(base + FACT_COLUMNS, "utf-8")
    location = load_mapping(path).location
    assert isinstance(location, SheetsApiLocation)
    assert (location.key_file, location.key_file_env) == (None, "GOOGLE_APPLICATION_CREDENTIALS")
