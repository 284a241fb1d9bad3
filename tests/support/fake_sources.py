"""Local stand-ins of the importers' HTTP sources: a Baserow table and a Google Sheet export.

A real HTTP server on 127.0.0.1 (a daemon thread), following the documented APIs:

* Baserow: ``GET /api/database/rows/table/<id>/?user_field_names=true&page=N&size=M``
  with ``Authorization: Token <token>`` answers ``{"count", "next", "previous",
  "results"}`` (rows with their ``id``); a token other than :attr:`token` (an
  expired one) is a 401 ``{"error": "ERROR_INVALID_TOKEN", "detail": ...}``; a page
  past the last one is a 404 ``ERROR_INVALID_PAGE``. :attr:`busy` lists answers to
  give first: a 429 with ``Retry-After``.
* Google: ``GET /spreadsheets/d/<id>/export?format=csv&gid=<gid>`` redirects to
  ``/download/<id>.csv`` which answers :attr:`csv` (``text/csv``), or a sign-in page
  (``text/html``) when :attr:`shared` is False.

Every request is recorded (path, query, Authorization header).
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from support.served_http import ServedHTTP

TABLE_ID = 617


@dataclass
class Seen:
    path: str
    query: dict[str, str]
    authorization: str


@dataclass
class FakeSources:
    token: str = "valid-database-token"
    rows: list[dict[str, Any]] = field(default_factory=list)
    busy: deque[tuple[int, dict[str, str]]] = field(default_factory=deque)
    csv: str = ""
    shared: bool = True
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._served = ServedHTTP(self._handler())

    @property
    def url(self) -> str:
        return self._served.url

    def __enter__(self) -> FakeSources:
        self._served.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._served.stop()

    def pages_read(self) -> list[str]:
        return [s.query.get("page", "") for s in self.seen if s.path.startswith("/api/")]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        sources = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                auth = self.headers.get("Authorization", "")
                sources.seen.append(Seen(parts.path, query, auth))
                if parts.path.startswith("/api/database/rows/table/"):
                    self._baserow(parts.path, query, auth)
                elif parts.path.startswith("/spreadsheets/d/"):
                    sheet = parts.path.split("/")[3]
                    self._send(302, b"", {"Location": f"/download/{sheet}.csv"})
                elif parts.path.startswith("/download/"):
                    self._sheet()
                else:
                    self._json(404, {"error": "ERROR_NOT_FOUND"})

            def _baserow(self, path: str, query: dict[str, str], auth: str) -> None:
                if sources.busy:
                    status, headers = sources.busy.popleft()
                    self._json(status, {"error": "ERROR_TOO_MANY_REQUESTS"}, headers)
                    return
                if auth != f"Token {sources.token}":
                    detail = "The provided token does not exist or is expired."
                    self._json(401, {"error": "ERROR_INVALID_TOKEN", "detail": detail})
                    return
                if path.rstrip("/").split("/")[-1] != str(TABLE_ID):
                    self._json(404, {"error": "ERROR_TABLE_DOES_NOT_EXIST"})
                    return
                self._page(path, int(query.get("page", "1")), int(query.get("size", "100")))

            def _page(self, path: str, page: int, size: int) -> None:
                rows = sources.rows
                start = (page - 1) * size
                if page < 1 or (start >= len(rows) and page > 1):
                    self._json(404, {"error": "ERROR_INVALID_PAGE"})
                    return
                more = start + size < len(rows)
                link = f"{sources.url}{path}?user_field_names=true&size={size}&page="
                body = {
                    "count": len(rows),
                    "next": f"{link}{page + 1}" if more else None,
                    "previous": f"{link}{page - 1}" if page > 1 else None,
                    "results": rows[start : start + size],
                }
                self._json(200, body)

            def _sheet(self) -> None:
                if not sources.shared:
                    self._send(200, b"<html>Sign in</html>", {"Content-Type": "text/html"})
                    return
                data = sources.csv.encode("utf-8")
                self._send(200, data, {"Content-Type": "text/csv; charset=utf-8"})

            def _json(
                self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(body).encode()
                self._send(status, data, {"Content-Type": "application/json", **(headers or {})})

            def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
