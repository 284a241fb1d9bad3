"""The catalogue's pages, for admins: services, their prompts (versions) and their facts
with validity windows.

A fact is valid in ``[valid_from, valid_to)``; the dates are typed in the console's time
zone (``CONSOLE_TIMEZONE``). A service's page shows, beside every fact, whether it is
valid now, and a preview of what the assistant serves now: the store's own answer to
``info.list`` at this instant, the same call the assistant makes.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, get_args

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from concierge_common.contracts import store_api as api
from concierge_common.errors import InvalidRequest
from gateway.console.context import Console, saved, see_other

PROCESSING_TYPES = get_args(api.ProcessingType)


def catalog_routes(router: APIRouter, console: Console) -> None:
    _services(router, console)
    _service_edits(router, console)
    _facts(router, console)


def parse_local(text: str, console: Console) -> datetime | None:
    """A ``datetime-local`` value in the console's time zone; None when empty."""
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=console.pages.zone)
    except ValueError as exc:
        raise InvalidRequest("date illisible", status=422) from exc


def validity(info: api.InfoView, now: datetime) -> str:
    """``current``, ``future`` or ``past``: where ``now`` falls in the fact's window."""
    if info.valid_from is not None and now < info.valid_from:
        return "future"
    if info.valid_to is not None and now >= info.valid_to:
        return "past"
    return "current"


def _keywords(text: str) -> list[str]:
    return [word.strip() for word in text.split(",") if word.strip()]


def _service_fields(form: dict[str, str]) -> dict[str, Any]:
    processing = form.get("processing_type", "ai")
    if processing not in PROCESSING_TYPES:
        raise InvalidRequest("type de traitement inconnu", status=422)
    try:
        order = int(form.get("display_order", "0") or "0")
    except ValueError as exc:
        raise InvalidRequest("ordre d'affichage illisible", status=422) from exc
    return {
        "name": form.get("name", "").strip().upper(),
        "description": form.get("description", "").strip(),
        "trigger_keywords": _keywords(form.get("trigger_keywords", "")),
        "processing_type": processing,
        "is_active": form.get("is_active") == "on",
        "display_order": order,
    }


def _services(router: APIRouter, console: Console) -> None:
    @router.get("/services", include_in_schema=False)
    async def console_services(request: Request) -> HTMLResponse:
        principal = console.admin(request)
        query = api.ListQuery(include_inactive=True)
        services = await console.rpc.call(
            api.SERVICE, api.SERVICE_LIST, query, list[api.ServiceView]
        )
        context = {"services": services, "processing_types": PROCESSING_TYPES}
        return console.page(request, principal, "services.html", context)

    @router.get("/services/{service_id}", include_in_schema=False)
    async def console_service(request: Request, service_id: uuid.UUID) -> HTMLResponse:
        principal = console.admin(request)
        now = datetime.now(UTC)
        one = api.ById(id=str(service_id))
        service = await console.rpc.call(api.SERVICE, api.SERVICE_GET, one, api.ServiceView)
        every = api.ListQuery(service_id=str(service_id))
        contexts = await console.rpc.call(
            api.SERVICE, api.CONTEXT_LIST, every, list[api.ContextView]
        )
        infos = await console.rpc.call(api.SERVICE, api.INFO_LIST, every, list[api.InfoView])
        served_now = api.ListQuery(service_id=str(service_id), valid_at=now)
        served = await console.rpc.call(api.SERVICE, api.INFO_LIST, served_now, list[api.InfoView])
        context = {
            "service": service,
            "latest": max(contexts, key=lambda c: c.version, default=None),
            "versions": sorted(contexts, key=lambda c: c.version, reverse=True),
            "infos": [(info, validity(info, now)) for info in infos],
            "served": served,
            "processing_types": PROCESSING_TYPES,
        }
        return console.page(request, principal, "service.html", context)


def _service_edits(router: APIRouter, console: Console) -> None:
    @router.post("/services", include_in_schema=False)
    async def console_create_service(request: Request) -> Response:
        console.admin(request)
        form = await console.posted(request)
        try:
            write = api.ServiceWrite(**_service_fields(form))
        except InvalidRequest:
            return see_other("/console/services", "invalid")
        call = console.rpc.call(api.SERVICE, api.SERVICE_CREATE, write, api.ServiceView)
        return await saved(call, "/console/services")

    @router.post("/services/{service_id}", include_in_schema=False)
    async def console_update_service(request: Request, service_id: uuid.UUID) -> Response:
        console.admin(request)
        form = await console.posted(request)
        here = f"/console/services/{service_id}"
        try:
            update = api.ServiceUpdate(id=str(service_id), **_service_fields(form))
        except InvalidRequest:
            return see_other(here, "invalid")
        call = console.rpc.call(api.SERVICE, api.SERVICE_UPDATE, update, api.ServiceView)
        return await saved(call, here)

    @router.post("/services/{service_id}/prompts", include_in_schema=False)
    async def console_new_prompt(request: Request, service_id: uuid.UUID) -> Response:
        console.admin(request)
        form = await console.posted(request)
        here = f"/console/services/{service_id}"
        prompt = form.get("system_prompt", "").strip()
        if not prompt:
            return see_other(here, "invalid")
        write = api.ContextWrite(service_id=str(service_id), system_prompt=prompt)
        call = console.rpc.call(api.SERVICE, api.CONTEXT_CREATE, write, api.ContextView)
        return await saved(call, here)


def _facts(router: APIRouter, console: Console) -> None:
    @router.post("/services/{service_id}/infos", include_in_schema=False)
    async def console_create_info(request: Request, service_id: uuid.UUID) -> Response:
        console.admin(request)
        form = await console.posted(request)
        here = f"/console/services/{service_id}"
        try:
            write = api.InfoWrite(
                service_id=str(service_id),
                title=form.get("title", "").strip(),
                content=form.get("content", "").strip(),
                valid_from=parse_local(form.get("valid_from", ""), console),
                valid_to=parse_local(form.get("valid_to", ""), console),
            )
        except InvalidRequest:
            return see_other(here, "invalid")
        if not write.title or not write.content:
            return see_other(here, "invalid")
        call = console.rpc.call(api.SERVICE, api.INFO_CREATE, write, api.InfoView)
        return await saved(call, here)

    @router.get("/infos/{info_id}", include_in_schema=False)
    async def console_info(request: Request, info_id: uuid.UUID) -> HTMLResponse:
        principal = console.admin(request)
        one = api.ById(id=str(info_id))
        info = await console.rpc.call(api.SERVICE, api.INFO_GET, one, api.InfoView)
        now = datetime.now(UTC)
        context = {"info": info, "validity": validity(info, now)}
        return console.page(request, principal, "info.html", context)

    @router.post("/infos/{info_id}", include_in_schema=False)
    async def console_update_info(request: Request, info_id: uuid.UUID) -> Response:
        console.admin(request)
        form = await console.posted(request)
        here = f"/console/infos/{info_id}"
        try:
            valid_from = parse_local(form.get("valid_from", ""), console)
            valid_to = parse_local(form.get("valid_to", ""), console)
        except InvalidRequest:
            return see_other(here, "invalid")
        title, content = form.get("title", "").strip(), form.get("content", "").strip()
        if not title or not content:
            return see_other(here, "invalid")
        update = api.InfoUpdate(
            id=str(info_id),
            title=title,
            content=content,
            valid_from=valid_from,
            valid_to=valid_to,
            clear_valid_from=valid_from is None,
            clear_valid_to=valid_to is None,
        )
        call = console.rpc.call(api.SERVICE, api.INFO_UPDATE, update, api.InfoView)
        return await saved(call, here)

    @router.post("/infos/{info_id}/delete", include_in_schema=False)
    async def console_delete_info(request: Request, info_id: uuid.UUID) -> Response:
        console.admin(request)
        await console.posted(request)
        one = api.ById(id=str(info_id))
        info = await console.rpc.call(api.SERVICE, api.INFO_GET, one, api.InfoView)
        call = console.rpc.call(api.SERVICE, api.INFO_DELETE, one, api.Deleted)
        return await saved(call, f"/console/services/{info.service_id}", "deleted")
