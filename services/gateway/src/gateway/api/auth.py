"""Bearer tokens of the HTTP API: HS256 JWTs with a ``roles`` claim.

Who may do what is decided by the ``roles`` claim alone: ``admin`` may do
everything, ``agent`` may read and update sessions and use the staff desk,
``channel`` (another channel of conversation: a web chat, a voice gateway) may
send people's messages to ``POST /orchestrate`` and nothing else. The gateway
only verifies tokens; an identity provider (or ``python -m gateway token`` in
development) issues them with the shared ``JWT_SECRET``.

A request without a usable token is answered 401 with ``WWW-Authenticate:
Bearer`` (RFC 6750); a valid token without a required role is answered 403.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import HTTPException, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

log = logging.getLogger(__name__)

ADMIN = "admin"
AGENT = "agent"
CHANNEL = "channel"
ROLES = (ADMIN, AGENT, CHANNEL)
ALGORITHM = "HS256"
# Clocks of the issuer and of the gateway may differ a little.
LEEWAY_SECONDS = 30.0

bearer_scheme = HTTPBearer(
    bearerFormat="JWT",
    scheme_name="bearer",
    description="An HS256 JWT with `exp`, `aud` and a `roles` list (`admin`, `agent`, `channel`).",
    auto_error=False,
)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's subject and roles."""

    subject: str
    roles: frozenset[str]


class TokenVerifier:
    """Checks a token's signature, expiry, audience and (when configured) issuer."""

    def __init__(self, secret: str, *, audience: str, issuer: str = "") -> None:
        self._secret = secret
        self._audience = audience
        self._issuer = issuer

    def principal(self, token: str) -> Principal:
        """The token's principal; raise a 401 ``HTTPException`` when it is not valid."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer or None,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise unauthorized("token expired", error="invalid_token") from exc
        except jwt.InvalidTokenError as exc:
            log.info("bearer token rejected: %s", type(exc).__name__)
            raise unauthorized("invalid token", error="invalid_token") from exc
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
            raise unauthorized("invalid token: 'roles' must be a list of strings", "invalid_token")
        return Principal(subject=str(claims.get("sub", "")), roles=frozenset(roles))


def unauthorized(detail: str, error: str = "") -> HTTPException:
    challenge = f'Bearer error="{error}"' if error else "Bearer"
    return HTTPException(401, detail, headers={"WWW-Authenticate": challenge})


Dependency = Callable[..., Awaitable[Principal]]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)]


class Authorizer:
    """Builds the FastAPI dependencies that guard the routes."""

    def __init__(self, verifier: TokenVerifier) -> None:
        self._verifier = verifier

    def require(self, *roles: str) -> Dependency:
        """A dependency admitting a valid token with one of ``roles`` (``admin`` always)."""
        allowed = frozenset(roles) | {ADMIN}

        async def guard(credentials: Credentials) -> Principal:
            if credentials is None:
                raise unauthorized("missing bearer token")
            principal = self._verifier.principal(credentials.credentials)
            if not principal.roles & allowed:
                raise HTTPException(403, f"requires one of the roles: {', '.join(sorted(allowed))}")
            return principal

        return guard


def mint_token(
    secret: str,
    *,
    subject: str,
    roles: list[str],
    ttl_seconds: float,
    audience: str,
    issuer: str = "",
    now: float | None = None,
) -> str:
    """A signed token, for development and tests (production tokens come from an issuer)."""
    issued = time.time() if now is None else now
    claims: dict[str, Any] = {
        "sub": subject,
        "roles": roles,
        "aud": audience,
        "iat": int(issued),
        "exp": int(issued + ttl_seconds),
    }
    if issuer:
        claims["iss"] = issuer
    return jwt.encode(claims, secret, algorithm=ALGORITHM)
