"""The store's administration operations over request/reply (users, services, prompts...).

Each operation of :mod:`concierge_common.contracts.store_api` maps to one repository
call; the repositories raise NotFound, Conflict or a 422 InvalidRequest, which
:class:`~concierge_common.bus.rpc.RpcServer` sends back with their status so the
caller (the gateway's HTTP API) raises the same class again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg

from concierge_common.bus.rpc import Operation
from concierge_common.contracts import store_api as api
from concierge_common.errors import InvalidRequest
from concierge_common.storage.media_storage import open_storage
from store.bus_traces import BusTraces
from store.catalog import Catalog
from store.contexts import Contexts
from store.erasure import AfterErase, Erasure
from store.infos import Infos
from store.redis_traces import RedisTraces
from store.roles import Roles
from store.settings import StoreSettings
from store.tombstones import Tombstones
from store.users import Users

T = TypeVar("T")


def admin_operations(
    pool: asyncpg.Pool,
    settings: StoreSettings,
    *,
    after_erase: AfterErase | None = None,
    bus: BusTraces | None = None,
    redis: RedisTraces | None = None,
) -> list[Operation]:
    """The operations USER_*, SERVICE_*, CONTEXT_*, INFO_* and ROLE_* on ``pool``.

    ``pool`` must come from :func:`store.db.create_pool` (jsonb as dicts);
    ``after_erase(person)`` runs after a person was erased; ``bus`` and ``redis``
    remove the person's copies there (:mod:`store.erasure`).
    """
    tombstones = Tombstones(settings.intrinsic_id_key)
    storage = open_storage(settings.media_storage_url)
    erasure = Erasure(
        pool,
        storage,
        tombstones,
        after_erase=after_erase,
        conversation_key=settings.conversation_id_key,
        bus=bus,
        redis=redis,
    )
    return [
        *_user_operations(Users(pool, tombstones), erasure),
        *_service_operations(Catalog(pool)),
        *_context_operations(Contexts(pool)),
        *_info_operations(Infos(pool)),
        *_role_operations(Roles(pool, settings.intrinsic_id_key)),
    ]


def _user_operations(users: Users, erasure: Erasure) -> list[Operation]:
    return [
        Operation(api.USER_GET, api.ById, _by_id(users.get)),
        Operation(api.USER_ERASE, api.ById, _by_id(erasure.erase_user)),
    ]


def _service_operations(catalog: Catalog) -> list[Operation]:
    async def listing(query: api.ListQuery) -> list[api.ServiceView]:
        return await catalog.all(include_inactive=query.include_inactive)

    return [
        Operation(api.SERVICE_LIST, api.ListQuery, listing),
        Operation(api.SERVICE_GET, api.ById, _by_id(catalog.get)),
        Operation(api.SERVICE_CREATE, api.ServiceWrite, catalog.create),
        Operation(api.SERVICE_UPDATE, api.ServiceUpdate, catalog.update),
        Operation(api.SERVICE_DELETE, api.ById, _by_id(catalog.delete)),
    ]


def _context_operations(contexts: Contexts) -> list[Operation]:
    async def listing(query: api.ListQuery) -> list[api.ContextView]:
        return await contexts.for_service(_service_id(query))

    return [
        Operation(api.CONTEXT_LIST, api.ListQuery, listing),
        Operation(api.CONTEXT_GET, api.ById, _by_id(contexts.get)),
        Operation(api.CONTEXT_CREATE, api.ContextWrite, contexts.create),
        Operation(api.CONTEXT_DELETE, api.ById, _by_id(contexts.delete)),
    ]


def _info_operations(infos: Infos) -> list[Operation]:
    async def listing(query: api.ListQuery) -> list[api.InfoView]:
        return await infos.for_service(_service_id(query), valid_at=query.valid_at)

    return [
        Operation(api.INFO_LIST, api.ListQuery, listing),
        Operation(api.INFO_GET, api.ById, _by_id(infos.get)),
        Operation(api.INFO_CREATE, api.InfoWrite, infos.create),
        Operation(api.INFO_UPDATE, api.InfoUpdate, infos.update),
        Operation(api.INFO_DELETE, api.ById, _by_id(infos.delete)),
    ]


def _role_operations(roles: Roles) -> list[Operation]:
    async def listing(query: api.ListQuery) -> list[api.RoleView]:
        return await roles.matching(user_id=query.user_id, service_id=query.service_id)

    return [
        Operation(api.ROLE_LIST, api.ListQuery, listing),
        Operation(api.ROLE_GRANT, api.RoleWrite, roles.grant),
        Operation(api.ROLE_REVOKE, api.ById, _by_id(roles.revoke)),
    ]


def _by_id(method: Callable[[str], Awaitable[T]]) -> Callable[[api.ById], Awaitable[T]]:
    """An operation taking ``ById`` from a repository method taking the id itself."""

    async def call(request: api.ById) -> T:
        return await method(request.id)

    return call


def _service_id(query: api.ListQuery) -> str:
    """Contexts and infos are listed per service: the query must name one."""
    if query.service_id is None:
        raise InvalidRequest("service_id is required", status=422)
    return query.service_id
