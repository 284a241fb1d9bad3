"""Bearer token verification: what a token must carry to be accepted."""

from __future__ import annotations

import time

import jwt
import pytest
from fastapi import HTTPException

from gateway.api.auth import LEEWAY_SECONDS, Principal, TokenVerifier, mint_token

SECRET = "unit-test-secret-" * 4  # long enough for HS512 too (a test mints one)
AUDIENCE = "concierge-api"


def _verifier(issuer: str = "") -> TokenVerifier:
    return TokenVerifier(SECRET, audience=AUDIENCE, issuer=issuer)


def _mint(**options: object) -> str:
    claims: dict[str, object] = {"sub": "u1", "roles": ["agent"], "aud": AUDIENCE}
    claims["exp"] = int(time.time()) + 60
    claims.update(options)
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, SECRET, algorithm="HS256")


def _rejected(token: str, verifier: TokenVerifier | None = None) -> HTTPException:
    with pytest.raises(HTTPException) as caught:
        (verifier or _verifier()).principal(token)
    assert caught.value.status_code == 401
    return caught.value


def test_minted_token_gives_its_subject_and_roles() -> None:
    token = mint_token(SECRET, subject="u1", roles=["admin"], ttl_seconds=60, audience=AUDIENCE)
    assert _verifier().principal(token) == Principal("u1", frozenset({"admin"}))


def test_token_without_exp_is_rejected() -> None:
    _rejected(_mint(exp=None))


def test_token_without_audience_is_rejected() -> None:
    _rejected(_mint(aud=None))


def test_small_clock_skew_is_tolerated_but_not_more() -> None:
    now = int(time.time())
    assert _verifier().principal(_mint(exp=now - int(LEEWAY_SECONDS) // 2)).subject == "u1"
    error = _rejected(_mint(exp=now - int(LEEWAY_SECONDS) - 5))
    assert error.detail == "token expired"


def test_issuer_is_checked_only_when_configured() -> None:
    token = _mint(iss="someone-else")
    assert _verifier().principal(token).subject == "u1"
    _rejected(token, _verifier(issuer="https://id.paroisse.example"))
    own = _mint(iss="https://id.paroisse.example")
    assert _verifier(issuer="https://id.paroisse.example").principal(own).subject == "u1"


def test_other_algorithm_is_rejected() -> None:
    claims = {"sub": "u1", "roles": ["admin"], "aud": AUDIENCE, "exp": int(time.time()) + 60}
    _rejected(jwt.encode(claims, SECRET, algorithm="HS512"))
    _rejected(jwt.encode(claims, "", algorithm="none"))  # "none" signs with no key


def test_roles_claim_must_be_a_list_of_strings() -> None:
    _rejected(_mint(roles="admin"))
    _rejected(_mint(roles=[1]))


def test_missing_roles_claim_means_no_role() -> None:
    assert _verifier().principal(_mint(roles=None)).roles == frozenset()


def test_rejection_challenges_with_bearer() -> None:
    error = _rejected("garbage")
    assert error.headers == {"WWW-Authenticate": 'Bearer error="invalid_token"'}
