"""Rows of a Google Sheet through the Sheets API v4, read as a service account.

``GET {api}/v4/spreadsheets/{id}/values/{range}`` with ``Authorization: Bearer
<token>`` (:mod:`.google_account`) answers ``{"range", "majorDimension": "ROWS",
"values": [[...], ...]}``: the first row names the columns; Google leaves out a
row's empty cells at its end, and a range without data has no ``values`` at all.
The sheet must be shared with the account's ``client_email`` (read access).

A 401 (the token expired or was revoked early) gets a new token and one more try;
429 and 503 are waited out as :mod:`.http_fetch` does; 403 (not shared with the
account) and 404 (no such sheet or range) fail clearly.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from concierge_common.errors import DownstreamRejected
from store.importing.cells import Row, as_row
from store.importing.google_account import (
    SHARED_TOKENS,
    ServiceAccount,
    TokenCache,
    key_file_of,
    load_account,
)
from store.importing.http_fetch import Sleep, TokenRefused, fetch
from store.importing.mapping import SheetsApiLocation


def values_url(location: SheetsApiLocation) -> str:
    sheet = quote(location.sheet_id, safe="")
    return f"{location.api_url}/v4/spreadsheets/{sheet}/values/{quote(location.range, safe='')}"


async def sheets_api_rows(
    client: httpx.AsyncClient,
    location: SheetsApiLocation,
    *,
    sleep: Sleep,
    tokens: TokenCache = SHARED_TOKENS,
    account: ServiceAccount | None = None,
) -> list[Row]:
    """The range's rows; ``account``: the key file's when None."""
    if account is None:
        account = load_account(key_file_of(location))
    url = values_url(location)
    for last_try in (False, True):
        token = await tokens.token(client, account, sleep=sleep)
        headers = {"Authorization": f"Bearer {token}"}
        try:
            response = await fetch(client, url, sleep=sleep, headers=headers)
        except TokenRefused:
            tokens.forget(account)
            if last_try:
                raise
            continue
        return rows_of_values(response.json())
    raise AssertionError("unreachable")  # pragma: no cover


def rows_of_values(body: Any) -> list[Row]:
    """The rows of a ``values`` answer, keyed by the first row's names."""
    if not isinstance(body, dict) or body.get("majorDimension", "ROWS") != "ROWS":
        raise DownstreamRejected("the Sheets API answered no rows")
    values = body.get("values", [])
    if not isinstance(values, list) or not all(isinstance(line, list) for line in values):
        raise DownstreamRejected("the Sheets API answered values that are not rows")
    if not values:
        return []
    header = [str(name).strip() for name in values[0]]
    rows = [
        as_row({name: cell for name, cell in zip(header, line, strict=False) if name})
        for line in values[1:]
    ]
    return [row for row in rows if any(row.values())]
