"""The console's signed-in session: a JWT in an HttpOnly cookie, and its CSRF token.

Signing in exchanges a name and password (:mod:`gateway.console.accounts`) for the
same kind of token the HTTP API takes (HS256, ``JWT_SECRET``, the API's audience,
``sub`` = the staff member's name, ``roles`` = their role), kept in a cookie that
scripts cannot read (``HttpOnly``), sent only to ``/console`` and only by the
console's own pages (``SameSite=Strict``; ``Secure`` behind HTTPS).

Every form that changes something carries a CSRF token derived from the session's
token (HMAC with ``JWT_SECRET``): a page of another site can neither read it nor
make it, and a new sign-in makes a new one. ``Origin``, when the browser sends it,
must be the console's own.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from fastapi.responses import Response

from gateway.api.auth import Principal, TokenVerifier, mint_token
from gateway.console.accounts import Account

COOKIE = "console_session"
COOKIE_PATH = "/console"


class SignInRequired(Exception):
    """No valid session: the browser is sent to the sign-in page."""


class SessionKeeper:
    """Issues and reads the session cookie."""

    def __init__(
        self,
        secret: str,
        *,
        audience: str,
        issuer: str = "",
        ttl_seconds: float,
    ) -> None:
        self._secret = secret
        self._audience = audience
        self._issuer = issuer
        self._ttl = ttl_seconds
        self._verifier = TokenVerifier(secret, audience=audience, issuer=issuer)

    def open(self, response: Response, request: Request, account: Account) -> None:
        token = mint_token(
            self._secret,
            subject=account.name,
            roles=[account.role],
            ttl_seconds=self._ttl,
            audience=self._audience,
            issuer=self._issuer,
        )
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(self._ttl),
            path=COOKIE_PATH,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )

    @staticmethod
    def close(response: Response) -> None:
        response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")

    def principal(self, request: Request) -> Principal:
        """The signed-in staff member; :class:`SignInRequired` when there is none."""
        token = request.cookies.get(COOKIE, "")
        if not token:
            raise SignInRequired
        try:
            return self._verifier.principal(token)
        except HTTPException as exc:
            raise SignInRequired from exc

    def csrf_token(self, request: Request) -> str:
        token = request.cookies.get(COOKIE, "")
        return hmac.new(
            self._secret.encode(), b"csrf:" + token.encode(), hashlib.sha256
        ).hexdigest()

    def check_csrf(self, request: Request, submitted: str) -> None:
        """403 unless ``submitted`` is this session's token and the origin is ours."""
        if not same_origin(request) or not hmac.compare_digest(
            submitted.encode(), self.csrf_token(request).encode()
        ):
            raise HTTPException(403, "formulaire expiré ou d'une autre origine : rechargez la page")


def same_origin(request: Request) -> bool:
    """Whether the request's ``Origin`` (when sent) is the console's own."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    # The host only: behind a TLS proxy the scheme seen here may differ from the browser's.
    return urlsplit(origin).netloc == request.headers.get("host", "")
