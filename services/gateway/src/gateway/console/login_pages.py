"""Signing in and out of the console (name and password, see :mod:`gateway.console.accounts`)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway.console.context import Console
from gateway.console.signin import same_origin
from gateway.console.web import form_of

log = logging.getLogger(__name__)


def login_routes(router: APIRouter, console: Console) -> None:
    @router.get("/login", include_in_schema=False)
    async def console_login_form(request: Request) -> HTMLResponse:
        return _form(console, error="")

    @router.post("/login", include_in_schema=False)
    async def console_login(request: Request) -> Response:
        form = await form_of(request)
        if not same_origin(request):
            return _form(console, error="Formulaire d'une autre origine.", status_code=403)
        account = console.accounts.authenticate(form.get("name", ""), form.get("password", ""))
        if account is None:
            log.info("console sign-in refused")
            return _form(console, error="Nom ou mot de passe incorrect.", status_code=401)
        log.info("console sign-in of a %s", account.role)
        response = RedirectResponse("/console/queue", status_code=303)
        console.sessions.open(response, request, account)
        return response

    @router.post("/logout", include_in_schema=False)
    async def console_logout(request: Request) -> Response:
        await console.posted(request)
        response = RedirectResponse("/console/login", status_code=303)
        console.sessions.close(response)
        return response


def _form(console: Console, *, error: str, status_code: int = 200) -> HTMLResponse:
    context = {"error": error, "no_accounts": len(console.accounts) == 0}
    return console.pages.render("login.html", context, status_code=status_code)
