"""The families' pages, for admins: a service's families, one family's record (parents,
children, their group, catechist, schedule and dated sessions), and its parent code.

A family's record names children, so these pages are for admins only, as the admin
API's ``/admin/families`` routes are; they make the same store calls. A new code is
shown once: the form that issues it is answered by a redirect to a page that takes
the code out of a single-use slot (:mod:`.family_code_slots`) and shows it, never
cached (``Cache-Control: no-store``); reloading that page shows it no more and
issues nothing. The store keeps only a keyed hash of the code, so no page can show
it again. Issuing a code revokes the family's earlier one.
"""

from __future__ import annotations

import logging
import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from concierge_common.contracts import store_api as api
from concierge_common.errors import InvalidRequest
from gateway.console.context import Console, saved, see_other
from gateway.console.family_code_slots import CodeSlots
from gateway.console.family_forms import children_of, parents_of, rows_of

log = logging.getLogger(__name__)


def family_routes(router: APIRouter, console: Console, slots: CodeSlots | None = None) -> None:
    _listing(router, console)
    _record(router, console)
    _code(router, console, slots or CodeSlots())


async def _service(console: Console, service_id: str) -> api.ServiceView:
    return await console.rpc.call(
        api.SERVICE, api.SERVICE_GET, api.ById(id=service_id), api.ServiceView
    )


async def _family(console: Console, family_id: uuid.UUID) -> api.FamilyRecordView:
    one = api.ById(id=str(family_id))
    return await console.rpc.call(api.SERVICE, api.FAMILY_READ, one, api.FamilyRecordView)


def _listing(router: APIRouter, console: Console) -> None:
    @router.get("/families", include_in_schema=False)
    async def console_family_services(request: Request) -> HTMLResponse:
        principal = console.admin(request)
        query = api.ListQuery(include_inactive=True)
        services = await console.rpc.call(
            api.SERVICE, api.SERVICE_LIST, query, list[api.ServiceView]
        )
        return console.page(request, principal, "family_services.html", {"services": services})

    @router.get("/services/{service_id}/families", include_in_schema=False)
    async def console_families(request: Request, service_id: uuid.UUID) -> HTMLResponse:
        principal = console.admin(request)
        service = await _service(console, str(service_id))
        query = api.ListQuery(service_id=str(service_id))
        families = await console.rpc.call(
            api.SERVICE, api.FAMILY_LIST, query, list[api.FamilyRecordView]
        )
        context = {"service": service, "families": families, "rows": rows_of([])}
        return console.page(request, principal, "families.html", context)

    @router.post("/services/{service_id}/families", include_in_schema=False)
    async def console_create_family(request: Request, service_id: uuid.UUID) -> Response:
        console.admin(request)
        form = await console.posted(request)
        here = f"/console/services/{service_id}/families"
        try:
            write = api.FamilyWrite(
                service_id=str(service_id),
                name=form.get("name", "").strip(),
                parents=parents_of(form),
                children=children_of(form),
            )
            created = await console.rpc.call(
                api.SERVICE, api.FAMILY_CREATE, write, api.FamilyRecordView
            )
        except InvalidRequest as exc:
            if exc.status == 404:
                raise
            return see_other(here, "invalid")
        return see_other(f"/console/families/{created.id}", "saved")


def _record(router: APIRouter, console: Console) -> None:
    @router.get("/families/{family_id}", include_in_schema=False)
    async def console_family(request: Request, family_id: uuid.UUID) -> HTMLResponse:
        principal = console.admin(request)
        family = await _family(console, family_id)
        service = await _service(console, family.service_id)
        context = {"family": family, "service": service, "rows": rows_of(family.children)}
        return console.page(request, principal, "family.html", context)

    @router.post("/families/{family_id}", include_in_schema=False)
    async def console_update_family(request: Request, family_id: uuid.UUID) -> Response:
        console.admin(request)
        form = await console.posted(request)
        here = f"/console/families/{family_id}"
        try:
            update = api.FamilyUpdate(
                id=str(family_id),
                name=form.get("name", "").strip(),
                parents=parents_of(form),
                children=children_of(form),
            )
        except InvalidRequest:
            return see_other(here, "invalid")
        call = console.rpc.call(api.SERVICE, api.FAMILY_UPDATE, update, api.FamilyRecordView)
        return await saved(call, here)

    @router.post("/families/{family_id}/delete", include_in_schema=False)
    async def console_delete_family(request: Request, family_id: uuid.UUID) -> Response:
        console.admin(request)
        form = await console.posted(request)
        if form.get("confirm") != "on":
            return see_other(f"/console/families/{family_id}", "invalid")
        family = await _family(console, family_id)
        one = api.ById(id=str(family_id))
        call = console.rpc.call(api.SERVICE, api.FAMILY_DELETE, one, api.Deleted)
        return await saved(call, f"/console/services/{family.service_id}/families", "deleted")


def _code(router: APIRouter, console: Console, slots: CodeSlots) -> None:
    @router.post("/families/{family_id}/code", include_in_schema=False)
    async def console_issue_code(request: Request, family_id: uuid.UUID) -> Response:
        principal = console.admin(request)
        await console.posted(request)
        one = api.ById(id=str(family_id))
        issued = await console.rpc.call(api.SERVICE, api.FAMILY_ISSUE_CODE, one, api.IssuedCode)
        log.info("console: a parent code was issued")  # never the code, nor the family
        token = slots.hold(issued, principal.subject)
        return see_other(f"/console/families/{family_id}/code/{token}")

    @router.get("/families/{family_id}/code/{token}", include_in_schema=False)
    async def console_issued_code(request: Request, family_id: uuid.UUID, token: str) -> Response:
        principal = console.admin(request)
        issued = slots.take(token, str(family_id), principal.subject)
        if issued is None:  # shown already, expired, or not this admin's
            return see_other(f"/console/families/{family_id}")
        family = await _family(console, family_id)
        page = console.page(
            request, principal, "family_code.html", {"issued": issued, "family": family}
        )
        page.headers["Cache-Control"] = "no-store"
        return page

    @router.post("/families/{family_id}/code/revoke", include_in_schema=False)
    async def console_revoke_code(request: Request, family_id: uuid.UUID) -> Response:
        console.admin(request)
        await console.posted(request)
        here = f"/console/families/{family_id}"
        one = api.ById(id=str(family_id))
        try:
            await console.rpc.call(api.SERVICE, api.FAMILY_REVOKE_CODE, one, api.FamilyRecordView)
        except InvalidRequest as exc:
            if exc.status != 404:
                raise
            await _family(console, family_id)  # an unknown family stays a 404 page
            return see_other(here, "no_code")
        return see_other(here, "revoked")
