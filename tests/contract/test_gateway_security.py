"""Browser-facing protections of the gateway's HTTP edge: headers, CORS, the docs page."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator

import pytest

from support.api import Api, api_env, as_role, running_api
from support.fixtures import text_message

ALLOWED = "https://admin.paroisse.example"
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


@pytest.fixture
async def gw(namespace: str) -> AsyncIterator[Api]:
    env = api_env(namespace, GATEWAY_CORS_ORIGINS=f"{ALLOWED}, https://other.example")
    async with running_api(env) as running:
        yield running


@pytest.mark.parametrize("path", ["/admin/services", "/health", "/openapi.json", "/nowhere"])
async def test_api_answers_carry_the_security_headers(gw: Api, path: str) -> None:
    response = await gw.http.get(path, headers=as_role("admin"))
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert response.headers["content-security-policy"].startswith("default-src 'none'")


async def test_error_answers_carry_the_security_headers_too(gw: Api) -> None:
    response = await gw.http.get("/admin/services")
    assert response.status_code == 401
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


async def test_webhook_is_left_out_of_the_api_middleware(gw: Api) -> None:
    response = await gw.http.post("/webhook", json=text_message("33600000020@c.us", "Bonjour"))
    assert response.status_code == 401  # unsigned
    assert response.headers["content-type"] == "application/problem+json"
    assert "content-security-policy" not in response.headers
    assert "access-control-allow-origin" not in response.headers


async def test_docs_page_policy_allows_its_inline_script_by_hash_only(gw: Api) -> None:
    response = await gw.http.get("/docs")
    assert response.status_code == 200
    policy = dict(
        part.strip().split(" ", 1)
        for part in response.headers["content-security-policy"].split(";")
    )
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy["script-src"]
    assert "unsafe-inline" not in policy["script-src"]
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert response.headers["x-frame-options"] == "DENY"


async def test_openapi_document_declares_the_bearer_scheme(gw: Api) -> None:
    document = (await gw.http.get("/openapi.json")).json()
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert document["paths"]["/admin/services"]["get"]["security"] == [{"bearer": []}]
    assert "security" not in document["paths"]["/health"]["get"]


async def test_allowed_origin_is_echoed_on_preflight_and_on_calls(gw: Api) -> None:
    preflight = await gw.http.options(
        "/admin/services",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["x-content-type-options"] == "nosniff"
    call = await gw.http.get("/admin/services", headers={"Origin": ALLOWED, **as_role("admin")})
    assert call.headers["access-control-allow-origin"] == ALLOWED
    assert "location" in call.headers["access-control-expose-headers"].lower()


async def test_other_origin_is_not_allowed(gw: Api) -> None:
    origin = "https://evil.example"
    preflight = await gw.http.options(
        "/admin/services",
        headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    call = await gw.http.get("/admin/services", headers={"Origin": origin, **as_role("admin")})
    assert "access-control-allow-origin" not in call.headers


async def test_no_cors_without_configured_origins(namespace: str) -> None:
    async with running_api(api_env(namespace)) as gw:
        response = await gw.http.get(
            "/admin/services", headers={"Origin": ALLOWED, **as_role("admin")}
        )
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
