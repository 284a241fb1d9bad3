"""The families' request/reply operations (``family.list`` ... ``family.revoke_code``).

Each maps to one :class:`store.families.Families` call, as :mod:`store.admin_ops`
does for the catalogue; the gateway's admin API calls them.
"""

from __future__ import annotations

import asyncpg

from concierge_common.bus.rpc import Operation
from concierge_common.contracts import store_api as api
from concierge_common.errors import InvalidRequest
from store.families import Families


def family_operations(pool: asyncpg.Pool, intrinsic_id_key: str) -> list[Operation]:
    """FAMILY_LIST, _READ, _CREATE, _UPDATE, _DELETE, _ISSUE_CODE and _REVOKE_CODE."""
    families = Families(pool, intrinsic_id_key)

    async def listing(query: api.ListQuery) -> list[api.FamilyRecordView]:
        if query.service_id is None:
            raise InvalidRequest("service_id is required", status=422)
        return await families.for_service(query.service_id)

    async def read(request: api.ById) -> api.FamilyRecordView:
        return await families.get(request.id)

    async def delete(request: api.ById) -> api.Deleted:
        return await families.delete(request.id)

    async def issue(request: api.ById) -> api.IssuedCode:
        return await families.issue_code(request.id)

    async def revoke(request: api.ById) -> api.FamilyRecordView:
        return await families.revoke_code(request.id)

    return [
        Operation(api.FAMILY_LIST, api.ListQuery, listing),
        Operation(api.FAMILY_READ, api.ById, read),
        Operation(api.FAMILY_CREATE, api.FamilyWrite, families.create),
        Operation(api.FAMILY_UPDATE, api.FamilyUpdate, families.update),
        Operation(api.FAMILY_DELETE, api.ById, delete),
        Operation(api.FAMILY_ISSUE_CODE, api.ById, issue),
        Operation(api.FAMILY_REVOKE_CODE, api.ById, revoke),
    ]
