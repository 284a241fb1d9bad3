"""The rows of a source, whatever its kind."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from store.importing.baserow import baserow_rows, token_of
from store.importing.cells import Row
from store.importing.files import read_file
from store.importing.google_sheet import sheet_rows
from store.importing.google_sheets_api import sheets_api_rows
from store.importing.http_fetch import Sleep
from store.importing.mapping import (
    BaserowLocation,
    FileLocation,
    GoogleLocation,
    Mapping,
    SheetsApiLocation,
)

Progress = Callable[[str, int, int], None]  # (stage, done, total)


async def read_rows(
    mapping: Mapping, client: httpx.AsyncClient, *, sleep: Sleep, progress: Progress
) -> list[Row]:
    location = mapping.location
    if isinstance(location, FileLocation):
        return read_file(location, mapping.kind)
    if isinstance(location, GoogleLocation):
        return await sheet_rows(client, location, sleep=sleep)
    if isinstance(location, SheetsApiLocation):
        return await sheets_api_rows(client, location, sleep=sleep)
    assert isinstance(location, BaserowLocation)
    return await baserow_rows(
        client,
        location,
        sleep=sleep,
        token=token_of(location),
        on_page=lambda done, total: progress("reading", done, total),
    )
