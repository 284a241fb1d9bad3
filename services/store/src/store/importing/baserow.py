"""Rows of a Baserow table through its REST API.

``GET {url}/api/database/rows/table/{table_id}/?user_field_names=true&page=N&size=M``
with ``Authorization: Token <database token>`` answers ``{"count", "next",
"previous", "results": [...]}``; pages are read until ``next`` is null. Each row
has Baserow's own ``id`` (the default key of its rows) besides its fields, named
as in the table (``user_field_names``). A bad or expired token is a 401
(``{"error": "ERROR_INVALID_TOKEN"}``), too many requests a 429: see
:mod:`store.importing.http_fetch`.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import httpx

from concierge_common.errors import ConfigError, DownstreamRejected
from store.importing.cells import Row, as_row
from store.importing.http_fetch import Sleep, fetch
from store.importing.mapping import BaserowLocation

# A table of more rows than this is not a parish's: stop rather than loop for ever.
MAX_PAGES = 1000


def token_of(location: BaserowLocation) -> str:
    token = os.environ.get(location.token_env, "").strip()
    if not token:
        raise ConfigError(f"the Baserow token variable {location.token_env} is not set")
    return token


async def baserow_rows(
    client: httpx.AsyncClient,
    location: BaserowLocation,
    *,
    sleep: Sleep,
    token: str,
    on_page: Callable[[int, int], None] | None = None,
) -> list[Row]:
    """Every row of the table; ``on_page(rows so far, count)`` after each page."""
    url = f"{location.url}/api/database/rows/table/{location.table_id}/"
    headers = {"Authorization": f"Token {token}"}
    rows: list[Row] = []
    for page in range(1, MAX_PAGES + 1):
        params: dict[str, str | int] = {
            "user_field_names": "true",
            "page": page,
            "size": location.page_size,
        }
        response = await fetch(client, url, sleep=sleep, headers=headers, params=params)
        body = response.json()
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise DownstreamRejected("Baserow answered a page without results")
        rows.extend(as_row(item) for item in body["results"] if isinstance(item, dict))
        if on_page is not None:
            on_page(len(rows), int(body.get("count") or len(rows)))
        if not body.get("next"):
            return rows
    raise DownstreamRejected(f"Baserow table {location.table_id} has more than {MAX_PAGES} pages")
