"""A local stand-in of Google's OAuth token endpoint and the Sheets API v4 values call.

A real HTTP server on 127.0.0.1 (a daemon thread), following Google's documentation:

* ``POST /token`` (form: ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer``,
  ``assertion=<JWT>``): the JWT's RS256 signature is checked with the public half of
  the test's key, and its claims (``iss`` the account, ``scope`` read-only sheets,
  ``aud`` this endpoint, ``exp`` at most an hour after ``iat``). A good one answers
  ``{"access_token", "expires_in", "token_type": "Bearer"}``; a bad one a 400
  ``{"error": "invalid_grant", "error_description"}``.
* ``GET /v4/spreadsheets/<id>/values/<range>`` with ``Authorization: Bearer <token>``
  answers ``{"range", "majorDimension": "ROWS", "values"}`` for a token it issued and
  did not expire (:meth:`expire_tokens`), else a 401 ``UNAUTHENTICATED``; an unknown
  sheet is a 404. :attr:`busy` lists answers to give first (429/503 with headers),
  to either call.

:func:`throwaway_key` makes an RSA key for one test: no key is ever committed.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from support.served_http import ServedHTTP

CLIENT_EMAIL = "concierge-import@paroisse-demo.iam.gserviceaccount.com"
SHEET_ID = "1PrivateSheetOfTheParish"
READONLY = "https://www.googleapis.com/auth/spreadsheets.readonly"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# The tests move the importer's clock forward past a token's life: iat and exp are
# checked against this machine's clock give or take this much.
CLOCK_LEEWAY_SECONDS = 2 * 3600


def throwaway_key() -> tuple[str, rsa.RSAPublicKey]:
    """A fresh RSA key: its private half in PEM (as a key file holds it), its public half."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return pem, key.public_key()


@dataclass
class FakeGoogleApi:
    public_key: rsa.RSAPublicKey
    values: list[list[str]] = field(default_factory=list)
    expires_in: int = 3599
    busy: deque[tuple[int, dict[str, str]]] = field(default_factory=deque)
    claims: list[dict[str, Any]] = field(default_factory=list)  # of each good assertion
    refused_grants: list[str] = field(default_factory=list)  # why each bad one was refused
    reads: list[str] = field(default_factory=list)  # the Authorization of each values call
    ranges: list[str] = field(default_factory=list)
    _valid: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._served = ServedHTTP(self._handler())

    @property
    def url(self) -> str:
        return self._served.url

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    def __enter__(self) -> FakeGoogleApi:
        self._served.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._served.stop()

    def expire_tokens(self) -> None:
        """Every token issued so far is refused from now on (expired or revoked)."""
        self._valid.clear()

    def key_file(self, folder: Path, private_pem: str, name: str = "sa.json") -> Path:
        """A service account key file as the Cloud console gives it, for this stand-in."""
        path = folder / name
        body = {
            "type": "service_account",
            "project_id": "paroisse-demo",
            "private_key_id": "0123abcd",
            "private_key": private_pem,
            "client_email": CLIENT_EMAIL,
            "client_id": "1234567890",
            "token_uri": self.token_uri,
        }
        path.write_text(json.dumps(body), encoding="utf-8")
        return path

    def _grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("grant_type") != JWT_BEARER:
            return self._refuse("unsupported_grant_type", "grant_type")
        try:
            claims = jwt.decode(
                form.get("assertion", ""),
                self.public_key,
                algorithms=["RS256"],
                audience=self.token_uri,
                leeway=CLOCK_LEEWAY_SECONDS,
                options={"require": ["iss", "scope", "aud", "iat", "exp"]},
            )
        except jwt.PyJWTError as exc:
            return self._refuse("invalid_grant", type(exc).__name__)
        if claims["iss"] != CLIENT_EMAIL or claims["scope"] != READONLY:
            return self._refuse("invalid_scope", "iss or scope")
        if not 0 < claims["exp"] - claims["iat"] <= 3600:
            return self._refuse("invalid_grant", "exp more than an hour after iat")
        self.claims.append(claims)
        token = f"ya29.fake-{len(self.claims)}"
        self._valid.add(token)
        return 200, {"access_token": token, "expires_in": self.expires_in, "token_type": "Bearer"}

    def _refuse(self, error: str, why: str) -> tuple[int, dict[str, Any]]:
        self.refused_grants.append(why)
        return 400, {"error": error, "error_description": why}

    def _values(self, path: str, auth: str) -> tuple[int, dict[str, Any]]:
        self.reads.append(auth)
        if auth.removeprefix("Bearer ") not in self._valid:
            error = {"code": 401, "message": "Invalid Credentials", "status": "UNAUTHENTICATED"}
            return 401, {"error": error}
        parts = path.split("/")  # /v4/spreadsheets/<id>/values/<range>
        if len(parts) != 6 or parts[3] != SHEET_ID:
            error = {
                "code": 404,
                "message": "Requested entity was not found.",
                "status": "NOT_FOUND",
            }
            return 404, {"error": error}
        sheet_range = unquote(parts[5])
        self.ranges.append(sheet_range)
        return 200, {"range": sheet_range, "majorDimension": "ROWS", "values": self.values}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length).decode()
                form = {k: v[0] for k, v in parse_qs(raw).items()}
                if urlsplit(self.path).path != "/token":
                    self._json(404, {"error": "not_found"})
                elif not self._busy():
                    self._json(*api._grant(form))

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                if not path.startswith("/v4/spreadsheets/"):
                    self._json(404, {"error": {"code": 404, "status": "NOT_FOUND"}})
                elif not self._busy():
                    self._json(*api._values(path, self.headers.get("Authorization", "")))

            def _busy(self) -> bool:
                if not api.busy:
                    return False
                status, headers = api.busy.popleft()
                error = {"code": status, "status": "RESOURCE_EXHAUSTED"}
                self._json(status, {"error": error}, headers)
                return True

            def _json(
                self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
