"""Rows of a Google Sheet through its CSV export.

``https://docs.google.com/spreadsheets/d/<id>/export?format=csv&gid=<gid>`` answers the
sheet (tab ``gid``) as CSV when the sheet is shared "anyone with the link can view";
Google redirects it to a download host first. A sheet that is not shared answers
a sign-in page (HTML) instead: refused with a clear message rather than read as
rows. A sheet that must stay private is read through the Sheets API as a service
account instead (:mod:`.google_sheets_api`).
"""

from __future__ import annotations

import httpx

from store.importing.cells import Row
from store.importing.files import csv_rows
from store.importing.http_fetch import Sleep, SourceRefused, fetch
from store.importing.mapping import GoogleLocation


async def sheet_rows(
    client: httpx.AsyncClient, location: GoogleLocation, *, sleep: Sleep
) -> list[Row]:
    response = await fetch(client, location.url, sleep=sleep)
    kind = response.headers.get("content-type", "")
    if "html" in kind:
        raise SourceRefused(
            "the sheet answered a web page, not CSV: share it as 'anyone with the link can view'"
        )
    return csv_rows(response.content)
