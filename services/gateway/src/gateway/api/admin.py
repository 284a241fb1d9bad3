"""``/admin/...``: the parish's catalogue (services, prompts, facts), people (users,
roles, privacy erasure) and families (their records and parent codes). Admin role only:
a family's record names children, so agents at the staff desk do not read it here.

Every route is one store operation (:mod:`concierge_common.contracts.store_api`). Ids are
UUIDs: a malformed one is answered 422 (``path.<name>_id``) without asking the
store; a well-formed id that does not exist is 404. ``POST`` answers 201 with
the new resource's ``Location``; ``DELETE`` answers 204, except a user's erasure,
which answers 200 with what was removed.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, Response
from pydantic import AwareDatetime

from concierge_common.bus.rpc import RpcClient
from concierge_common.contracts import store_api as api
from gateway.api.auth import ADMIN, Authorizer
from gateway.api.errors import problem_responses
from gateway.api.models import (
    ContextIn,
    ContextOut,
    ErasureReportOut,
    FamilyIn,
    FamilyOut,
    FamilyPatch,
    InfoIn,
    InfoOut,
    InfoPatch,
    IssuedCodeOut,
    RoleIn,
    RoleOut,
    ServiceIn,
    ServiceOut,
    ServicePatch,
    UserOut,
    all_to_api,
    by_id,
    to_api,
)

# An erasure reads the bus's streams for the person's copies: longer than other calls.
ERASURE_TIMEOUT_SECONDS = 120.0


def admin_router(rpc: RpcClient, auth: Authorizer) -> APIRouter:
    router = APIRouter(
        prefix="/admin",
        dependencies=[Depends(auth.require(ADMIN))],
        responses=problem_responses(400, 401, 403, 404, 422, 503),
    )
    _services(router, rpc)
    _contexts(router, rpc)
    _infos(router, rpc)
    _users(router, rpc)
    _families(router, rpc)
    return router


def _located(response: Response, path: str) -> None:
    response.headers["Location"] = path


def _services(router: APIRouter, rpc: RpcClient) -> None:
    @router.get("/services", tags=["services"], summary="List services")
    async def list_services(include_inactive: bool = True) -> list[ServiceOut]:
        query = api.ListQuery(include_inactive=include_inactive)
        views = await rpc.call(api.SERVICE, api.SERVICE_LIST, query, list[api.ServiceView])
        return all_to_api(ServiceOut, views)

    @router.post(
        "/services",
        tags=["services"],
        summary="Create a service",
        status_code=201,
        responses=problem_responses(409),
    )
    async def create_service(body: ServiceIn, response: Response) -> ServiceOut:
        view = await rpc.call(api.SERVICE, api.SERVICE_CREATE, body.to_store(), api.ServiceView)
        _located(response, f"/admin/services/{view.id}")
        return to_api(ServiceOut, view)

    @router.get("/services/{service_id}", tags=["services"], summary="Read a service")
    async def get_service(service_id: UUID) -> ServiceOut:
        view = await rpc.call(api.SERVICE, api.SERVICE_GET, by_id(service_id), api.ServiceView)
        return to_api(ServiceOut, view)

    @router.patch(
        "/services/{service_id}",
        tags=["services"],
        summary="Change a service (fields left out are kept)",
        responses=problem_responses(409),
    )
    async def update_service(service_id: UUID, body: ServicePatch) -> ServiceOut:
        request = body.to_store(service_id)
        view = await rpc.call(api.SERVICE, api.SERVICE_UPDATE, request, api.ServiceView)
        return to_api(ServiceOut, view)

    @router.delete(
        "/services/{service_id}",
        tags=["services"],
        summary="Delete a service",
        status_code=204,
        response_class=Response,
    )
    async def delete_service(service_id: UUID) -> None:
        await rpc.call(api.SERVICE, api.SERVICE_DELETE, by_id(service_id), api.Deleted)


def _contexts(router: APIRouter, rpc: RpcClient) -> None:
    @router.get(
        "/services/{service_id}/contexts",
        tags=["contexts"],
        summary="List a service's prompt versions",
    )
    async def list_contexts(service_id: UUID) -> list[ContextOut]:
        query = api.ListQuery(service_id=str(service_id))
        views = await rpc.call(api.SERVICE, api.CONTEXT_LIST, query, list[api.ContextView])
        return all_to_api(ContextOut, views)

    @router.post(
        "/services/{service_id}/contexts",
        tags=["contexts"],
        summary="Add the next version of a service's prompts",
        status_code=201,
        responses=problem_responses(409),
    )
    async def create_context(service_id: UUID, body: ContextIn, response: Response) -> ContextOut:
        request = body.to_store(service_id)
        view = await rpc.call(api.SERVICE, api.CONTEXT_CREATE, request, api.ContextView)
        _located(response, f"/admin/contexts/{view.id}")
        return to_api(ContextOut, view)

    @router.get("/contexts/{context_id}", tags=["contexts"], summary="Read a prompt version")
    async def get_context(context_id: UUID) -> ContextOut:
        view = await rpc.call(api.SERVICE, api.CONTEXT_GET, by_id(context_id), api.ContextView)
        return to_api(ContextOut, view)

    @router.delete(
        "/contexts/{context_id}",
        tags=["contexts"],
        summary="Delete a prompt version",
        status_code=204,
        response_class=Response,
    )
    async def delete_context(context_id: UUID) -> None:
        await rpc.call(api.SERVICE, api.CONTEXT_DELETE, by_id(context_id), api.Deleted)


def _infos(router: APIRouter, rpc: RpcClient) -> None:
    @router.get(
        "/services/{service_id}/infos",
        tags=["infos"],
        summary="List a service's facts",
        description="With `valid_at` (ISO 8601 with a time zone), only the facts valid then.",
    )
    async def list_infos(service_id: UUID, valid_at: AwareDatetime | None = None) -> list[InfoOut]:
        query = api.ListQuery(service_id=str(service_id), valid_at=valid_at)
        views = await rpc.call(api.SERVICE, api.INFO_LIST, query, list[api.InfoView])
        return all_to_api(InfoOut, views)

    @router.post(
        "/services/{service_id}/infos",
        tags=["infos"],
        summary="Add a fact",
        status_code=201,
        responses=problem_responses(409),
    )
    async def create_info(service_id: UUID, body: InfoIn, response: Response) -> InfoOut:
        view = await rpc.call(api.SERVICE, api.INFO_CREATE, body.to_store(service_id), api.InfoView)
        _located(response, f"/admin/infos/{view.id}")
        return to_api(InfoOut, view)

    @router.get("/infos/{info_id}", tags=["infos"], summary="Read a fact")
    async def get_info(info_id: UUID) -> InfoOut:
        view = await rpc.call(api.SERVICE, api.INFO_GET, by_id(info_id), api.InfoView)
        return to_api(InfoOut, view)

    @router.patch(
        "/infos/{info_id}", tags=["infos"], summary="Change a fact (fields left out are kept)"
    )
    async def update_info(info_id: UUID, body: InfoPatch) -> InfoOut:
        view = await rpc.call(api.SERVICE, api.INFO_UPDATE, body.to_store(info_id), api.InfoView)
        return to_api(InfoOut, view)

    @router.delete(
        "/infos/{info_id}",
        tags=["infos"],
        summary="Delete a fact",
        status_code=204,
        response_class=Response,
    )
    async def delete_info(info_id: UUID) -> None:
        await rpc.call(api.SERVICE, api.INFO_DELETE, by_id(info_id), api.Deleted)


def _users(router: APIRouter, rpc: RpcClient) -> None:
    @router.get("/users/{user_id}", tags=["users"], summary="Read a user")
    async def get_user(user_id: UUID) -> UserOut:
        view = await rpc.call(api.SERVICE, api.USER_GET, by_id(user_id), api.UserView)
        return to_api(UserOut, view)

    @router.delete(
        "/users/{user_id}",
        tags=["users"],
        summary="Erase a user and everything about them (privacy erasure)",
        description=(
            "Answers what was removed from where, as counts: database rows per table,"
            " media files, bus messages per stream (the conversation stream, dead"
            " letters), entries per key-value bucket and Redis keys."
        ),
    )
    async def erase_user(user_id: UUID) -> ErasureReportOut:
        report = await rpc.call(
            api.SERVICE,
            api.USER_ERASE,
            by_id(user_id),
            api.ErasureReport,
            timeout=ERASURE_TIMEOUT_SECONDS,
        )
        return to_api(ErasureReportOut, report)

    @router.get("/users/{user_id}/roles", tags=["users"], summary="List a user's roles")
    async def list_roles(user_id: UUID) -> list[RoleOut]:
        query = api.ListQuery(user_id=str(user_id))
        views = await rpc.call(api.SERVICE, api.ROLE_LIST, query, list[api.RoleView])
        return all_to_api(RoleOut, views)

    @router.post(
        "/users/{user_id}/roles",
        tags=["users"],
        summary="Grant a role",
        status_code=201,
        responses=problem_responses(409),
    )
    async def grant_role(user_id: UUID, body: RoleIn, response: Response) -> RoleOut:
        view = await rpc.call(api.SERVICE, api.ROLE_GRANT, body.to_store(user_id), api.RoleView)
        _located(response, f"/admin/roles/{view.id}")
        return to_api(RoleOut, view)

    @router.delete(
        "/roles/{role_id}",
        tags=["users"],
        summary="Revoke a role",
        status_code=204,
        response_class=Response,
    )
    async def revoke_role(role_id: UUID) -> None:
        await rpc.call(api.SERVICE, api.ROLE_REVOKE, by_id(role_id), api.Deleted)


def _families(router: APIRouter, rpc: RpcClient) -> None:
    @router.get(
        "/services/{service_id}/families",
        tags=["families"],
        summary="List a service's families (by name)",
    )
    async def list_families(service_id: UUID) -> list[FamilyOut]:
        query = api.ListQuery(service_id=str(service_id))
        views = await rpc.call(api.SERVICE, api.FAMILY_LIST, query, list[api.FamilyRecordView])
        return all_to_api(FamilyOut, views)

    @router.post(
        "/services/{service_id}/families",
        tags=["families"],
        summary="Add a family (without a code: issue one next)",
        status_code=201,
    )
    async def create_family(service_id: UUID, body: FamilyIn, response: Response) -> FamilyOut:
        request = body.to_store(service_id)
        view = await rpc.call(api.SERVICE, api.FAMILY_CREATE, request, api.FamilyRecordView)
        _located(response, f"/admin/families/{view.id}")
        return to_api(FamilyOut, view)

    @router.get("/families/{family_id}", tags=["families"], summary="Read a family")
    async def get_family(family_id: UUID) -> FamilyOut:
        view = await rpc.call(api.SERVICE, api.FAMILY_READ, by_id(family_id), api.FamilyRecordView)
        return to_api(FamilyOut, view)

    @router.patch(
        "/families/{family_id}",
        tags=["families"],
        summary="Change a family (fields left out are kept; lists are replaced)",
        description="Parents who proved the family's code read the new record at once.",
    )
    async def update_family(family_id: UUID, body: FamilyPatch) -> FamilyOut:
        request = body.to_store(family_id)
        view = await rpc.call(api.SERVICE, api.FAMILY_UPDATE, request, api.FamilyRecordView)
        return to_api(FamilyOut, view)

    @router.delete(
        "/families/{family_id}",
        tags=["families"],
        summary="Delete a family, its code and the roles its code gave",
        status_code=204,
        response_class=Response,
    )
    async def delete_family(family_id: UUID) -> None:
        await rpc.call(api.SERVICE, api.FAMILY_DELETE, by_id(family_id), api.Deleted)

    @router.post(
        "/families/{family_id}/code",
        tags=["families"],
        summary="Issue a new parent code (shown this once; the earlier code stops working)",
        description=(
            "The code is answered in clear only here (`Cache-Control: no-store`): the store"
            " keeps a keyed hash. A family has one code at a time: the parents who proved"
            " the earlier one must prove the new one."
        ),
        status_code=201,
        responses=problem_responses(409),
    )
    async def issue_code(family_id: UUID, response: Response) -> IssuedCodeOut:
        issued = await rpc.call(
            api.SERVICE, api.FAMILY_ISSUE_CODE, by_id(family_id), api.IssuedCode
        )
        response.headers["Cache-Control"] = "no-store"
        return to_api(IssuedCodeOut, issued)

    @router.delete(
        "/families/{family_id}/code",
        tags=["families"],
        summary="Revoke the family's parent code (and the parents' roles it gave)",
        description="404 when the family has no code.",
        status_code=204,
        response_class=Response,
    )
    async def revoke_code(family_id: UUID) -> None:
        await rpc.call(api.SERVICE, api.FAMILY_REVOKE_CODE, by_id(family_id), api.FamilyRecordView)
