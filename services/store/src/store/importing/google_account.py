"""A Google service account's access tokens (OAuth 2.0 JWT bearer grant, RFC 7523).

The account's JSON key file (from the Cloud console) holds ``client_email``,
``private_key`` (PEM) and ``token_uri``. A token is asked for by ``POST token_uri``
with ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`` and ``assertion``: a
JWT signed RS256 by the private key, claiming ``iss`` = the account, ``scope``,
``aud`` = ``token_uri``, ``iat`` and ``exp`` (at most an hour later). The answer is
``{"access_token", "expires_in", "token_type": "Bearer"}``.

:class:`TokenCache` keeps a token until shortly before it expires, per account and
scope, so a scheduled sync does not sign a new request every time. The private key
is never logged nor put in an error message.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import jwt

from concierge_common.errors import ConfigError, DownstreamRejected
from store.importing.http_fetch import Sleep, fetch
from store.importing.mapping import SheetsApiLocation

log = logging.getLogger(__name__)

SHEETS_READONLY = "https://www.googleapis.com/auth/spreadsheets.readonly"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_SECONDS = 3600  # Google's limit for exp - iat
EXPIRY_MARGIN_SECONDS = 60.0  # a token this close to its end is not used any more

Clock = Callable[[], float]


@dataclass(frozen=True)
class ServiceAccount:
    client_email: str
    private_key: str = field(repr=False)
    token_uri: str


def key_file_of(location: SheetsApiLocation) -> Path:
    """The key file the mapping names, or the one its variable names."""
    if location.key_file is not None:
        return location.key_file
    value = os.environ.get(location.key_file_env, "").strip()
    if not value:
        raise ConfigError(f"the service account key variable {location.key_file_env} is not set")
    return Path(value)


def load_account(path: Path) -> ServiceAccount:
    """The service account of a JSON key file; ConfigError (never its content) when unusable."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the service account key {path}: {exc.strerror}") from exc
    except ValueError:
        raise ConfigError(f"the service account key {path} is not JSON") from None
    fields = ("client_email", "private_key", "token_uri")
    missing = [name for name in fields if not isinstance(raw, dict) or not raw.get(name)]
    if missing:
        raise ConfigError(f"the service account key {path} lacks {', '.join(missing)}")
    return ServiceAccount(
        client_email=str(raw["client_email"]),
        private_key=str(raw["private_key"]),
        token_uri=str(raw["token_uri"]),
    )


def assertion(account: ServiceAccount, scope: str, now: float) -> str:
    """The signed JWT that asks ``account.token_uri`` for a token of ``scope``."""
    issued = int(now)
    claims = {
        "iss": account.client_email,
        "scope": scope,
        "aud": account.token_uri,
        "iat": issued,
        "exp": issued + ASSERTION_SECONDS,
    }
    try:
        return jwt.encode(claims, account.private_key, algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError):
        # The library's message may quote the key: say only what is wrong.
        raise ConfigError(
            f"the private_key of {account.client_email} is not an RSA key in PEM"
        ) from None


@dataclass
class _Held:
    token: str
    good_until: float


class TokenCache:
    """Access tokens by (account, scope), each kept until ``EXPIRY_MARGIN_SECONDS``
    before it expires."""

    def __init__(self, clock: Clock = time.time) -> None:
        self._clock = clock
        self._held: dict[tuple[str, str, str], _Held] = {}

    async def token(
        self,
        client: httpx.AsyncClient,
        account: ServiceAccount,
        *,
        sleep: Sleep,
        scope: str = SHEETS_READONLY,
    ) -> str:
        key = (account.client_email, account.token_uri, scope)
        held = self._held.get(key)
        if held is not None and self._clock() < held.good_until:
            return held.token
        held = await self._ask(client, account, scope, sleep)
        self._held[key] = held
        return held.token

    def forget(self, account: ServiceAccount, scope: str = SHEETS_READONLY) -> None:
        """Drop the account's token (the API refused it): the next one is asked for anew."""
        self._held.pop((account.client_email, account.token_uri, scope), None)

    async def _ask(
        self, client: httpx.AsyncClient, account: ServiceAccount, scope: str, sleep: Sleep
    ) -> _Held:
        now = self._clock()
        form = {"grant_type": JWT_BEARER, "assertion": assertion(account, scope, now)}
        response = await fetch(client, account.token_uri, sleep=sleep, form=form)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise DownstreamRejected("the token endpoint answered no access_token")
        if str(body.get("token_type", "Bearer")).lower() != "bearer":
            raise DownstreamRejected("the token endpoint answered a token that is not Bearer")
        lifetime = float(body.get("expires_in") or 0)
        log.info("service account token obtained", extra={"expires_in": lifetime})
        return _Held(body["access_token"], now + lifetime - EXPIRY_MARGIN_SECONDS)


# One cache for the process: the scheduled syncs reuse a token between runs.
SHARED_TOKENS = TokenCache()
