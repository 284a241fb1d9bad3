"""Rendering the console's pages: Jinja2 templates, their security headers, form bodies.

Pages may load the console's own script and style sheet and nothing else
(``CONTENT_SECURITY_POLICY``); forms post only to the console. Form bodies are
``application/x-www-form-urlencoded`` (no file upload), parsed here without an extra
dependency.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
    " img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
MAX_FORM_BYTES = 100_000


class Pages:
    """The console's templates, with the helpers they use."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._env.filters["local"] = self.local
        self._env.filters["field"] = self.field_value
        self._env.filters["waited"] = waited
        self._env.filters["size"] = file_size

    def local(self, moment: datetime | None) -> str:
        """``04/12/2026 14:05``, in the console's time zone; empty for none."""
        return "" if moment is None else moment.astimezone(self.zone).strftime("%d/%m/%Y %H:%M")

    def field_value(self, moment: datetime | None) -> str:
        """The value of a ``datetime-local`` input, in the console's time zone."""
        return "" if moment is None else moment.astimezone(self.zone).strftime("%Y-%m-%dT%H:%M")

    def render(
        self, name: str, context: Mapping[str, Any], *, status_code: int = 200
    ) -> HTMLResponse:
        html = self._env.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status_code, headers=page_headers())

    def fragment(self, name: str, context: Mapping[str, Any]) -> str:
        return self._env.get_template(name).render(**context)


def page_headers() -> dict[str, str]:
    # ``same-origin``, not the API's ``no-referrer``: with that, a form's ``Origin`` is
    # ``null`` and the console could not tell its own posts from another site's.
    return {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Referrer-Policy": "same-origin"}


def waited(since: datetime | None, now: datetime) -> str:
    """How long someone has waited: ``3 min``, ``2 h 05``, ``3 j``."""
    if since is None:
        return ""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        return f"{minutes // 60} h {minutes % 60:02d}"
    return f"{minutes // (24 * 60)} j"


def file_size(size: int) -> str:
    """``850 o``, ``12 ko``, ``3,4 Mo`` (French units)."""
    if size < 1000:
        return f"{size} o"
    if size < 1_000_000:
        return f"{round(size / 1000)} ko"
    return f"{size / 1_000_000:.1f} Mo".replace(".", ",")


async def form_of(request: Request) -> dict[str, str]:
    """A posted form's fields (the first value of each)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(413, "formulaire trop long")
    try:
        fields = parse_qs(body.decode(), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError as exc:
        raise HTTPException(400, "formulaire illisible") from exc
    return {name: values[0] for name, values in fields.items()}
