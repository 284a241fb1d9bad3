"""Families and parent codes through the admin API: the gateway's real app, over the
real NATS, to the store's real operations on PostgreSQL; an issued code is then
proved with ``code.claim``, the operation the router calls, and opens the record."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import nats
import pytest

from concierge_common import settings as settings_module
from concierge_common.bus.heartbeat import HeartbeatReader
from concierge_common.bus.publisher import Publisher
from concierge_common.bus.rpc import RpcClient, RpcServer
from concierge_common.bus.topology import Topology
from concierge_common.contracts import store_api as api
from gateway.app import create_app
from gateway.settings import GatewaySettings
from store.admin_ops import admin_operations
from store.claims import ClaimPolicy, Claims
from store.family_ops import family_operations
from store.flow_ops import claim_operations
from store.settings import StoreSettings
from store.users import Users
from support.api import as_role
from support.polling import HANG_GUARD
from support.store_db import TEST_TOMBSTONES, migrated_pool

ADMIN = as_role("admin")
AGENT = as_role("agent")
PROBLEM = "application/problem+json"
LEFEVRE: dict[str, Any] = {
    "name": "Famille Lefèvre",
    "parents": ["Claire Lefèvre", "Julien Lefèvre"],
    "children": [
        {
            "first_name": "Léa",
            "last_name": "Lefèvre",
            "group": "Groupe Samuel (CE1-CE2)",
            "catechist": "Anne Mercier",
            "schedule": "le mercredi de 10h à 11h15, salle Saint-Joseph",
            "next_sessions": [
                {"date": "2027-01-13"},
                {"date": "2026-12-16", "time": "17:00", "end": "18:00", "place": "église"},
            ],
        }
    ],
}


@dataclass
class Stack:
    http: httpx.AsyncClient
    rpc: RpcClient
    pool: asyncpg.Pool
    service_id: str

    async def person(self, phone: str) -> str:
        return await Users(self.pool, TEST_TOMBSTONES).resolve(self.pool, f"{phone}@c.us")

    async def claim(self, user_id: str, code: str) -> api.ClaimResult:
        claim = api.CodeClaim(user_id=user_id, service_name="CATECHESE", code=code)
        return await self.rpc.call(api.SERVICE, api.CODE_CLAIM, claim, api.ClaimResult)

    async def record_of(self, user_id: str) -> list[dict[str, Any]]:
        query = api.FamilyQuery(user_id=user_id, service_name="CATECHESE")
        views = await self.rpc.call(api.SERVICE, api.FAMILY_GET, query, list[api.FamilyView])
        return [view.attributes for view in views]

    async def new_family(self, body: dict[str, Any] = LEFEVRE) -> dict[str, Any]:
        response = await self.http.post(
            f"/admin/services/{self.service_id}/families", json=body, headers=ADMIN
        )
        assert response.status_code == 201, response.text
        family: dict[str, Any] = response.json()
        return family

    async def issue(self, family_id: str) -> dict[str, Any]:
        response = await self.http.post(f"/admin/families/{family_id}/code", headers=ADMIN)
        assert response.status_code == 201, response.text
        assert response.headers["cache-control"] == "no-store"
        issued: dict[str, Any] = response.json()
        return issued


@contextlib.asynccontextmanager
async def _store(
    env: dict[str, str], pool: asyncpg.Pool, tmp_path: Path, nc: Any, topology: Topology
) -> AsyncIterator[None]:
    settings = settings_module.load(StoreSettings, {**env, "MEDIA_STORAGE_URL": str(tmp_path)})
    key = settings.intrinsic_id_key
    claims = Claims(pool, key, ClaimPolicy(max_attempts=5))
    operations = [
        *admin_operations(pool, settings),
        *family_operations(pool, key),
        *claim_operations(claims),
    ]
    server = RpcServer(api.SERVICE, operations)
    await server.start(nc, topology)
    try:
        yield
    finally:
        await server.stop()


@pytest.fixture
async def stack(env: dict[str, str], database_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    gateway = settings_module.load(GatewaySettings, env)
    topology = Topology.from_settings(gateway)
    async with migrated_pool(database_url) as pool:
        nc = await nats.connect(gateway.nats_url)
        try:
            async with _store(env, pool, tmp_path, nc, topology):
                rpc = RpcClient(nc, topology, timeout=HANG_GUARD)
                app = create_app(
                    gateway,
                    Publisher(nc, topology),
                    rpc,
                    HeartbeatReader(nc, topology.health_bucket, max_age=15.0),
                )
                transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
                async with httpx.AsyncClient(transport=transport, base_url="http://gw") as http:
                    created = await http.post(
                        "/admin/services", json={"name": "CATECHESE"}, headers=ADMIN
                    )
                    yield Stack(http, rpc, pool, created.json()["id"])
        finally:
            await nc.close()


async def test_a_family_is_created_read_listed_and_its_sessions_kept_in_order(
    stack: Stack,
) -> None:
    family = await stack.new_family()
    assert family["has_code"] is False
    assert family["verified_parents"] == 0
    sessions = family["children"][0]["next_sessions"]
    assert [session["date"] for session in sessions] == ["2026-12-16", "2027-01-13"]
    assert sessions[0] == {"date": "2026-12-16", "time": "17:00", "end": "18:00", "place": "église"}
    read = await stack.http.get(f"/admin/families/{family['id']}", headers=ADMIN)
    assert read.json() == family
    listed = await stack.http.get(f"/admin/services/{stack.service_id}/families", headers=ADMIN)
    assert listed.json() == [family]


async def test_an_issued_code_is_proved_by_a_parent_and_opens_the_family_record(
    stack: Stack,
) -> None:
    family = await stack.new_family()
    issued = await stack.issue(family["id"])
    assert issued["revoked_roles"] == 0
    stored = await stack.pool.fetchval(
        "SELECT intrinsic_id FROM user_services WHERE family_id = $1", family["id"]
    )
    assert issued["code"] not in str(stored)  # only the keyed hash is kept

    parent = await stack.person("33600000001")
    result = await stack.claim(parent, issued["code"].lower().replace("-", " "))
    assert result.status == "accepted"
    [record] = await stack.record_of(parent)
    assert record["family"] == "Famille Lefèvre"
    assert record["children"][0]["next_sessions"][0]["place"] == "église"
    after = (await stack.http.get(f"/admin/families/{family['id']}", headers=ADMIN)).json()
    assert (after["has_code"], after["verified_parents"]) == (True, 1)


async def test_a_change_of_the_family_reaches_the_parent_who_proved_its_code(
    stack: Stack,
) -> None:
    family = await stack.new_family()
    parent = await stack.person("33600000002")
    assert (await stack.claim(parent, (await stack.issue(family["id"]))["code"])).status == (
        "accepted"
    )
    child = {**LEFEVRE["children"][0], "catechist": "Paul Girard"}
    patched = await stack.http.patch(
        f"/admin/families/{family['id']}", json={"children": [child]}, headers=ADMIN
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["parents"] == LEFEVRE["parents"]  # left out: kept
    [record] = await stack.record_of(parent)
    assert record["children"][0]["catechist"] == "Paul Girard"


async def test_a_new_code_revokes_the_earlier_one_and_its_parents_must_prove_the_new_one(
    stack: Stack,
) -> None:
    family = await stack.new_family()
    first = (await stack.issue(family["id"]))["code"]
    parent = await stack.person("33600000003")
    assert (await stack.claim(parent, first)).status == "accepted"
    second = await stack.issue(family["id"])
    assert second["code"] != first
    assert second["revoked_roles"] == 1
    assert await stack.record_of(parent) == []
    assert (await stack.claim(parent, first)).status == "rejected"
    assert (await stack.claim(parent, second["code"])).status == "accepted"


async def test_a_revoked_code_no_longer_opens_anything(stack: Stack) -> None:
    family = await stack.new_family()
    code = (await stack.issue(family["id"]))["code"]
    parent = await stack.person("33600000004")
    assert (await stack.claim(parent, code)).status == "accepted"
    revoked = await stack.http.delete(f"/admin/families/{family['id']}/code", headers=ADMIN)
    assert revoked.status_code == 204
    assert await stack.record_of(parent) == []
    assert (await stack.claim(parent, code)).status == "rejected"
    again = await stack.http.delete(f"/admin/families/{family['id']}/code", headers=ADMIN)
    assert again.status_code == 404
    assert again.headers["content-type"] == PROBLEM


async def test_a_deleted_family_is_gone_with_its_code(stack: Stack) -> None:
    family = await stack.new_family()
    code = (await stack.issue(family["id"]))["code"]
    deleted = await stack.http.delete(f"/admin/families/{family['id']}", headers=ADMIN)
    assert deleted.status_code == 204
    read = await stack.http.get(f"/admin/families/{family['id']}", headers=ADMIN)
    assert read.status_code == 404
    assert (await stack.claim(await stack.person("33600000005"), code)).status == "rejected"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "body.name"),
        ({"children": [{"first_name": "Léa", "next_sessions": [{"date": "2027-02-30"}]}]}, None),
        (
            {
                "children": [
                    {
                        "first_name": "Léa",
                        "next_sessions": [{"date": "2027-02-03", "time": "25:00"}],
                    }
                ]
            },
            None,
        ),
        ({"children": [{"last_name": "Lefèvre"}]}, None),
        ({"pets": ["Rex"]}, "body.pets"),
    ],
)
async def test_an_invalid_family_is_a_422_problem(
    stack: Stack, change: dict[str, Any], field: str | None
) -> None:
    response = await stack.http.post(
        f"/admin/services/{stack.service_id}/families", json={**LEFEVRE, **change}, headers=ADMIN
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    if field is not None:
        assert field in {error["field"] for error in response.json()["errors"]}


async def test_a_family_of_an_unknown_service_is_404(stack: Stack) -> None:
    response = await stack.http.post(
        "/admin/services/2f1c7a52-8d1e-4b8e-9a57-4c1d2e3f4a5b/families",
        json=LEFEVRE,
        headers=ADMIN,
    )
    assert response.status_code == 404


async def test_families_are_for_admins_only(stack: Stack) -> None:
    family = await stack.new_family()
    for method, path in [
        ("GET", f"/admin/services/{stack.service_id}/families"),
        ("GET", f"/admin/families/{family['id']}"),
        ("POST", f"/admin/families/{family['id']}/code"),
        ("DELETE", f"/admin/families/{family['id']}/code"),
    ]:
        response = await stack.http.request(method, path, headers=AGENT)
        assert response.status_code == 403, (method, path)
