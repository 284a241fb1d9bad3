"""The store's administration operations answered over the real NATS, called with RpcClient."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import nats
import pytest

from concierge_common.bus.rpc import RpcClient, RpcServer
from concierge_common.bus.topology import Topology
from concierge_common.contracts import store_api as api
from concierge_common.errors import Conflict, InvalidRequest, NotFound
from concierge_common.settings import load
from store.admin_ops import admin_operations
from store.settings import StoreSettings
from store.users import Users
from support.infra import NATS_URL
from support.store_db import TEST_TOMBSTONES, migrated_pool

CHRISTMAS = datetime(2026, 12, 24, 18, tzinfo=UTC)


@dataclass
class Admin:
    rpc: RpcClient
    pool: asyncpg.Pool


@pytest.fixture
async def admin(
    env: dict[str, str], database_url: str, namespace: str, tmp_path: Path
) -> AsyncIterator[Admin]:
    """An RpcClient talking to an RpcServer that answers admin_operations on a real database."""
    settings = load(StoreSettings, {**env, "MEDIA_STORAGE_URL": str(tmp_path)})
    topology = Topology(namespace, 16)
    async with migrated_pool(database_url) as pool:
        nc = await nats.connect(NATS_URL)
        server = RpcServer(api.SERVICE, admin_operations(pool, settings))
        await server.start(nc, topology)
        try:
            yield Admin(RpcClient(nc, topology), pool)
        finally:
            await server.stop()
            await nc.close()


async def _service(rpc: RpcClient, name: str = "RENSEIGNEMENT") -> api.ServiceView:
    return await rpc.call(
        api.SERVICE, api.SERVICE_CREATE, api.ServiceWrite(name=name), api.ServiceView
    )


async def test_services_are_created_listed_and_deleted_over_rpc(
    admin: Admin,
) -> None:
    rpc = admin.rpc
    created = await _service(rpc)
    listed = await rpc.call(api.SERVICE, api.SERVICE_LIST, api.ListQuery(), list[api.ServiceView])
    assert listed == [created]
    deleted = await rpc.call(api.SERVICE, api.SERVICE_DELETE, api.ById(id=created.id), api.Deleted)
    assert deleted.id == created.id
    with pytest.raises(NotFound):
        await rpc.call(api.SERVICE, api.SERVICE_GET, api.ById(id=created.id), api.ServiceView)


async def test_a_duplicate_service_comes_back_as_conflict(admin: Admin) -> None:
    rpc = admin.rpc
    await _service(rpc)
    with pytest.raises(Conflict):
        await _service(rpc)


async def test_an_empty_validity_window_comes_back_as_422(admin: Admin) -> None:
    rpc = admin.rpc
    service = await _service(rpc)
    write = api.InfoWrite(
        service_id=service.id, title="Noël", content="x", valid_from=CHRISTMAS, valid_to=CHRISTMAS
    )
    with pytest.raises(InvalidRequest) as caught:
        await rpc.call(api.SERVICE, api.INFO_CREATE, write, api.InfoView)
    assert caught.value.status == 422
    assert not isinstance(caught.value, NotFound | Conflict)


async def test_infos_are_listed_by_validity_over_rpc(admin: Admin) -> None:
    rpc = admin.rpc
    service = await _service(rpc)
    christmas = api.InfoWrite(
        service_id=service.id,
        title="Messes de Noël",
        content="Veillée à 18 h 30",
        valid_from=datetime(2026, 12, 1, tzinfo=UTC),
        valid_to=datetime(2026, 12, 26, tzinfo=UTC),
    )
    created = await rpc.call(api.SERVICE, api.INFO_CREATE, christmas, api.InfoView)
    at = api.ListQuery(service_id=service.id, valid_at=CHRISTMAS)
    later = api.ListQuery(service_id=service.id, valid_at=datetime(2027, 1, 2, tzinfo=UTC))
    assert await rpc.call(api.SERVICE, api.INFO_LIST, at, list[api.InfoView]) == [created]
    assert await rpc.call(api.SERVICE, api.INFO_LIST, later, list[api.InfoView]) == []
    with pytest.raises(InvalidRequest) as caught:
        await rpc.call(api.SERVICE, api.INFO_LIST, api.ListQuery(), list[api.InfoView])
    assert caught.value.status == 422


async def test_contexts_are_versioned_over_rpc(admin: Admin) -> None:
    rpc = admin.rpc
    service = await _service(rpc)
    for prompt in ("Première version", "Seconde version"):
        write = api.ContextWrite(service_id=service.id, system_prompt=prompt)
        await rpc.call(api.SERVICE, api.CONTEXT_CREATE, write, api.ContextView)
    query = api.ListQuery(service_id=service.id)
    versions = await rpc.call(api.SERVICE, api.CONTEXT_LIST, query, list[api.ContextView])
    assert [(c.version, c.system_prompt) for c in versions] == [
        (2, "Seconde version"),
        (1, "Première version"),
    ]


async def test_a_role_is_granted_listed_and_revoked_without_its_code(
    admin: Admin,
) -> None:
    rpc = admin.rpc
    service = await _service(rpc, "CATECHESE")
    user_id = await Users(admin.pool, TEST_TOMBSTONES).resolve(admin.pool, "33655555555@c.us")
    write = api.RoleWrite(
        user_id=user_id, service_id=service.id, role="parent", intrinsic_id="SM-1"
    )
    role = await rpc.call(api.SERVICE, api.ROLE_GRANT, write, api.RoleView)
    assert role.has_intrinsic_id
    listed = await rpc.call(
        api.SERVICE, api.ROLE_LIST, api.ListQuery(user_id=user_id), list[api.RoleView]
    )
    assert listed == [role]
    await rpc.call(api.SERVICE, api.ROLE_REVOKE, api.ById(id=role.id), api.Deleted)
    with pytest.raises(NotFound):
        await rpc.call(api.SERVICE, api.ROLE_REVOKE, api.ById(id=role.id), api.Deleted)


async def test_a_user_is_read_then_erased_over_rpc(admin: Admin) -> None:
    rpc = admin.rpc
    user_id = await Users(admin.pool, TEST_TOMBSTONES).resolve(
        admin.pool, "33666666666@c.us", "Paul"
    )
    user = await rpc.call(api.SERVICE, api.USER_GET, api.ById(id=user_id), api.UserView)
    assert (user.name, user.whatsapp_ids) == ("Paul", ["33666666666@c.us"])
    report = await rpc.call(api.SERVICE, api.USER_ERASE, api.ById(id=user_id), api.ErasureReport)
    assert report.rows["users"] == 1
    with pytest.raises(NotFound):
        await rpc.call(
            api.SERVICE, api.USER_ERASE, api.ById(id=str(uuid.uuid4())), api.ErasureReport
        )
