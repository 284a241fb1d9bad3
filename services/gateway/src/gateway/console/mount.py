"""Mounting the staff console on the gateway's app, under ``/console``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import cast
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles

from concierge_common.bus.rpc import RpcClient
from concierge_common.errors import InvalidRequest
from concierge_common.storage.media_storage import open_storage
from gateway.api.staff import Desk
from gateway.console.accounts import Accounts
from gateway.console.catalog_pages import catalog_routes
from gateway.console.context import Console
from gateway.console.desk_pages import desk_routes
from gateway.console.family_pages import family_routes
from gateway.console.file_pages import file_routes
from gateway.console.live import live_routes
from gateway.console.login_pages import login_routes
from gateway.console.signin import SessionKeeper, SignInRequired
from gateway.console.web import STATIC_DIR, Pages
from gateway.settings import GatewaySettings

PREFIX = "/console"
Handler = Callable[[Request, Exception], Awaitable[Response]]
DEFAULT_CANNED_REPLIES = (
    "Bonjour, je suis de l'équipe de la paroisse : je regarde votre demande.",
    "Merci pour votre patience, je reviens vers vous dans quelques minutes.",
    "Pouvez-vous me donner un peu plus de détails ?",
    "Je vous laisse avec l'assistant pour vos autres questions. Bonne journée !",
)


def build_console(settings: GatewaySettings, rpc: RpcClient) -> Console:
    canned = tuple(r.strip() for r in settings.console_canned_replies.split("|") if r.strip())
    return Console(
        rpc=rpc,
        desk=Desk(rpc, timeout=settings.gateway_desk_timeout_seconds),
        pages=Pages(ZoneInfo(settings.console_timezone)),
        sessions=SessionKeeper(
            settings.jwt_secret,
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            ttl_seconds=settings.console_session_hours * 3600,
        ),
        accounts=Accounts.parse(settings.console_accounts),
        canned_replies=canned or DEFAULT_CANNED_REPLIES,
        poll_seconds=settings.console_poll_seconds,
        media=open_storage(settings.media_storage_url),
    )


def install_console(app: FastAPI, settings: GatewaySettings, rpc: RpcClient) -> None:
    """The console's routes, its static files, and the redirect to sign in."""
    console = build_console(settings, rpc)
    router = APIRouter(prefix=PREFIX, include_in_schema=False)
    login_routes(router, console)
    desk_routes(router, console)
    catalog_routes(router, console)
    family_routes(router, console)
    file_routes(router, console)
    live_routes(router, console)
    app.include_router(router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC_DIR), name="console_static")
    app.add_exception_handler(SignInRequired, _to_sign_in)
    _console_errors(app, console)


async def _to_sign_in(request: Request, exc: Exception) -> Response:
    if request.url.path.endswith(("/fragment", "/transcript", "/events")):
        return Response(status_code=401)  # a script's request: the page reloads itself
    return RedirectResponse(f"{PREFIX}/login", status_code=303)


def _console_errors(app: FastAPI, console: Console) -> None:
    """Errors of console pages as a page in French; the API's keep problem+json."""
    for kind in (HTTPException, InvalidRequest):
        _wrap(app, console, kind)


def _wrap(app: FastAPI, console: Console, kind: type[Exception]) -> None:
    api_handler = cast(Handler, app.exception_handlers[kind])

    async def handler(request: Request, exc: Exception) -> Response:
        if not request.url.path.startswith(PREFIX + "/"):
            return await api_handler(request, exc)
        if isinstance(exc, HTTPException):
            return _error_page(console, exc.status_code, str(exc.detail))
        status = exc.status if isinstance(exc, InvalidRequest) else 400
        return _error_page(console, status, "Demande refusée.")

    app.add_exception_handler(kind, handler)


def _error_page(console: Console, status: int, detail: str) -> HTMLResponse:
    message = "Page introuvable." if status == 404 else detail
    context = {"status": status, "message": message}
    return console.pages.render("error.html", context, status_code=status)
