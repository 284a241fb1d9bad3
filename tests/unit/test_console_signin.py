"""The staff console's HTTP edge, without a server: sign-in, cookie, CSRF and headers."""

from __future__ import annotations

import re

import httpx

from gateway.console.accounts import hash_password
from gateway.console.signin import COOKIE
from support.edge_app import edge_client, edge_settings

PASSWORD = "mot-de-passe-de-anne"
BASE = "http://gateway"


def settings_with_anne() -> dict[str, str]:
    return {"CONSOLE_ACCOUNTS": f"Anne:agent:{hash_password(PASSWORD)}"}


async def sign_in(http: httpx.AsyncClient, password: str) -> httpx.Response:
    form = {"name": "Anne", "password": password}
    return await http.post("/console/login", data=form, headers={"Origin": BASE})


async def test_a_page_without_a_session_sends_the_browser_to_sign_in() -> None:
    async with edge_client(edge_settings()) as http:
        response = await http.get("/console/queue")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login"


async def test_the_sign_in_page_allows_only_the_consoles_own_script_and_style() -> None:
    async with edge_client(edge_settings()) as http:
        response = await http.get("/console/login")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert 'for="password"' in response.text


async def test_a_wrong_password_is_refused_and_sets_no_cookie() -> None:
    async with edge_client(edge_settings(**settings_with_anne())) as http:
        response = await sign_in(http, "pas-le-bon")
    assert response.status_code == 401
    assert COOKIE not in response.cookies


async def test_signing_in_sets_an_httponly_strict_cookie_for_the_console_only() -> None:
    async with edge_client(edge_settings(**settings_with_anne())) as http:
        response = await sign_in(http, PASSWORD)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "path=/console" in cookie


async def test_a_form_from_another_site_or_without_its_token_is_refused() -> None:
    async with edge_client(edge_settings(**settings_with_anne())) as http:
        await sign_in(http, PASSWORD)
        page = await http.get("/console/login")  # any page: the session is in the client
        path = "/console/handoffs/00000000-0000-4000-8000-000000000001/close"
        no_token = await http.post(path, data={}, headers={"Origin": BASE})
        other_site = await http.post(path, data={"csrf": "x"}, headers={"Origin": "https://evil"})
    assert page.status_code == 200
    assert no_token.status_code == 403
    assert other_site.status_code == 403
    assert re.search("autre origine", no_token.text)
