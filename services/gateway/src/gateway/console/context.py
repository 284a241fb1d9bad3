"""What every console route needs: the session, the pages, the bus, and the checks."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from concierge_common.bus.rpc import RpcClient
from concierge_common.errors import InvalidRequest
from concierge_common.storage.media_storage import MediaStorage
from gateway.api.auth import ADMIN, Principal
from gateway.api.staff import Desk
from gateway.console.accounts import Accounts
from gateway.console.signin import SessionKeeper
from gateway.console.web import Pages, form_of

# Fixed messages shown after an action (``?info=<key>``): no text of the request is echoed.
NOTICES = {
    "replied": "Réponse envoyée.",
    "taken": "Demande prise en charge.",
    "returned": "Conversation rendue à l'assistant.",
    "closed": "Demande close.",
    "conflict": "Action impossible : la demande a changé d'état entre-temps.",
    "saved": "Enregistré.",
    "deleted": "Supprimé.",
    "invalid": "Données refusées : vérifiez les champs.",
    "revoked": "Code révoqué : il n'ouvre plus rien, et les parents qui l'avaient donné"
    " n'ont plus accès à la fiche.",
    "no_code": "Cette famille n'a pas de code à révoquer.",
}
T = TypeVar("T")


@dataclass(frozen=True)
class Console:
    """The console's collaborators, shared by its routes."""

    rpc: RpcClient
    desk: Desk
    pages: Pages
    sessions: SessionKeeper
    accounts: Accounts
    canned_replies: tuple[str, ...]
    poll_seconds: float
    media: MediaStorage  # where the conversations' files are kept (MEDIA_STORAGE_URL)

    def staff(self, request: Request) -> Principal:
        return self.sessions.principal(request)

    def admin(self, request: Request) -> Principal:
        principal = self.sessions.principal(request)
        if ADMIN not in principal.roles:
            raise HTTPException(403, "page réservée aux administrateurs")
        return principal

    async def posted(self, request: Request) -> dict[str, str]:
        """The posted form, once its CSRF token and origin are checked."""
        form = await form_of(request)
        self.sessions.check_csrf(request, form.get("csrf", ""))
        return form

    def page(
        self,
        request: Request,
        principal: Principal,
        template: str,
        context: Mapping[str, Any],
        *,
        status_code: int = 200,
    ) -> HTMLResponse:
        notice = NOTICES.get(request.query_params.get("info", ""), "")
        common = {
            "staff": principal.subject,
            "is_admin": ADMIN in principal.roles,
            "csrf": self.sessions.csrf_token(request),
            "notice": notice,
            "now": datetime.now(UTC),
        }
        return self.pages.render(template, {**common, **context}, status_code=status_code)


def see_other(path: str, info: str = "") -> RedirectResponse:
    return RedirectResponse(f"{path}?info={info}" if info else path, status_code=303)


async def saved(call: Awaitable[T], here: str, notice: str = "saved") -> Response:
    """Back to ``here`` with ``notice``, or with why the store refused (a 404 is raised)."""
    try:
        await call
    except InvalidRequest as exc:
        if exc.status == 404:
            raise
        return see_other(here, "conflict" if exc.status == 409 else "invalid")
    return see_other(here, notice)
