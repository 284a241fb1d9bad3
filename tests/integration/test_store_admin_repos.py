"""The administration repositories on a real database: services, contexts, infos, roles."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from concierge_common.contracts.store_api import (
    ContextWrite,
    InfoUpdate,
    InfoView,
    InfoWrite,
    RoleWrite,
    ServiceUpdate,
    ServiceWrite,
)
from concierge_common.errors import Conflict, InvalidRequest, NotFound
from store.catalog import Catalog
from store.codes import hash_code
from store.contexts import Contexts
from store.infos import Infos
from store.roles import Roles
from store.users import Users
from support.store_db import TEST_TOMBSTONES, migrated_pool

KEY = "test-intrinsic-key"
T0 = datetime(2026, 12, 1, tzinfo=UTC)
T1 = datetime(2027, 1, 7, tzinfo=UTC)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with migrated_pool(database_url, max_size=8) as pool:
        yield pool


async def _service(pool: asyncpg.Pool, name: str = "RENSEIGNEMENT") -> str:
    return (await Catalog(pool).create(ServiceWrite(name=name))).id


# --- services ---------------------------------------------------------------------------


async def test_a_service_is_created_read_updated_and_deleted(pool: asyncpg.Pool) -> None:
    catalog = Catalog(pool)
    created = await catalog.create(
        ServiceWrite(
            name=" catechese ",
            trigger_keywords=[" caté ", "", "caté", "enfant"],
            required_role="parent",
        )
    )
    assert created.name == "CATECHESE"
    assert created.trigger_keywords == ["caté", "enfant"]
    assert await catalog.get(created.id) == created

    updated = await catalog.update(ServiceUpdate(id=created.id, description="Le caté"))
    assert updated.description == "Le caté"
    assert updated.required_role == "parent"  # untouched
    assert updated.updated_at > created.updated_at

    cleared = await catalog.update(ServiceUpdate(id=created.id, clear_required_role=True))
    assert cleared.required_role is None

    assert (await catalog.delete(created.id)).id == created.id
    with pytest.raises(NotFound):
        await catalog.get(created.id)


async def test_a_duplicate_service_name_is_a_conflict(pool: asyncpg.Pool) -> None:
    catalog = Catalog(pool)
    await catalog.create(ServiceWrite(name="RENSEIGNEMENT"))
    with pytest.raises(Conflict):
        await catalog.create(ServiceWrite(name="renseignement"))
    other = await catalog.create(ServiceWrite(name="CONTACT_HUMAIN"))
    with pytest.raises(Conflict):
        await catalog.update(ServiceUpdate(id=other.id, name="RENSEIGNEMENT"))


async def test_an_invalid_service_name_is_refused_with_422(pool: asyncpg.Pool) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await Catalog(pool).create(ServiceWrite(name="la catéchèse"))
    assert caught.value.status == 422


async def test_services_are_listed_in_display_order_and_inactive_only_on_request(
    pool: asyncpg.Pool,
) -> None:
    catalog = Catalog(pool)
    await catalog.create(ServiceWrite(name="CONTACT_HUMAIN", display_order=3))
    await catalog.create(ServiceWrite(name="CATECHESE", display_order=2))
    await catalog.create(ServiceWrite(name="RENSEIGNEMENT", display_order=1))
    await catalog.create(ServiceWrite(name="ARCHIVES", display_order=2, is_active=False))

    active = [service.name for service in await catalog.all()]
    everything = [service.name for service in await catalog.all(include_inactive=True)]
    assert active == ["RENSEIGNEMENT", "CATECHESE", "CONTACT_HUMAIN"]
    assert everything == ["RENSEIGNEMENT", "ARCHIVES", "CATECHESE", "CONTACT_HUMAIN"]


async def test_updating_an_unknown_service_is_not_found(pool: asyncpg.Pool) -> None:
    with pytest.raises(NotFound):
        await Catalog(pool).update(ServiceUpdate(id=str(uuid.uuid4()), description="x"))
    with pytest.raises(NotFound):
        await Catalog(pool).delete(str(uuid.uuid4()))


# --- contexts ---------------------------------------------------------------------------


async def test_contexts_get_increasing_versions_listed_newest_first(pool: asyncpg.Pool) -> None:
    service_id = await _service(pool)
    contexts = Contexts(pool)
    first = await contexts.create(ContextWrite(service_id=service_id, system_prompt="v1"))
    second = await contexts.create(
        ContextWrite(service_id=service_id, system_prompt="v2", prompts={"welcome": "Bonjour"})
    )
    assert (first.version, second.version) == (1, 2)
    assert [c.version for c in await contexts.for_service(service_id)] == [2, 1]
    assert await contexts.get(second.id) == second
    assert await contexts.current(service_id) == second

    await contexts.delete(second.id)
    assert await contexts.current(service_id) == first


async def test_concurrent_context_creations_get_distinct_versions(pool: asyncpg.Pool) -> None:
    service_id = await _service(pool)
    contexts = Contexts(pool)
    created = await asyncio.gather(
        *(
            contexts.create(ContextWrite(service_id=service_id, system_prompt=f"v{n}"))
            for n in range(6)
        )
    )
    assert sorted(c.version for c in created) == [1, 2, 3, 4, 5, 6]


async def test_a_context_for_an_unknown_service_is_not_found(pool: asyncpg.Pool) -> None:
    with pytest.raises(NotFound):
        await Contexts(pool).create(ContextWrite(service_id=str(uuid.uuid4()), system_prompt="x"))
    with pytest.raises(NotFound):
        await Contexts(pool).for_service(str(uuid.uuid4()))


async def test_an_empty_system_prompt_is_refused_with_422(pool: asyncpg.Pool) -> None:
    service_id = await _service(pool)
    with pytest.raises(InvalidRequest) as caught:
        await Contexts(pool).create(ContextWrite(service_id=service_id, system_prompt="  "))
    assert caught.value.status == 422


# --- infos ------------------------------------------------------------------------------


async def test_valid_at_returns_what_is_valid_at_that_instant(pool: asyncpg.Pool) -> None:
    service_id = await _service(pool)
    infos = Infos(pool)
    always = await infos.create(InfoWrite(service_id=service_id, title="Accueil", content="a"))
    advent = await infos.create(
        InfoWrite(service_id=service_id, title="Avent", content="b", valid_from=T0, valid_to=T1)
    )
    until = await infos.create(
        InfoWrite(service_id=service_id, title="Ancien", content="c", valid_to=T0)
    )

    def titles(found: list[InfoView]) -> set[str]:
        return {info.title for info in found}

    assert titles(await infos.for_service(service_id)) == {"Accueil", "Avent", "Ancien"}
    assert titles(await infos.for_service(service_id, valid_at=T0)) == {"Accueil", "Avent"}
    before = T0 - timedelta(microseconds=1)
    assert titles(await infos.for_service(service_id, valid_at=before)) == {"Accueil", "Ancien"}
    last = T1 - timedelta(microseconds=1)
    assert titles(await infos.for_service(service_id, valid_at=last)) == {"Accueil", "Avent"}
    # valid_to is exclusive: at that very instant the fact is no longer valid
    assert titles(await infos.for_service(service_id, valid_at=T1)) == {"Accueil"}
    assert {always.id, advent.id, until.id} == {i.id for i in await infos.for_service(service_id)}


async def test_an_empty_validity_window_is_refused_with_422(pool: asyncpg.Pool) -> None:
    service_id = await _service(pool)
    infos = Infos(pool)
    for valid_to in (T0, T0 - timedelta(days=1)):
        with pytest.raises(InvalidRequest) as caught:
            await infos.create(
                InfoWrite(
                    service_id=service_id, title="x", content="y", valid_from=T0, valid_to=valid_to
                )
            )
        assert caught.value.status == 422
    assert await infos.for_service(service_id) == []


async def test_an_update_that_empties_the_window_is_refused_with_422(pool: asyncpg.Pool) -> None:
    service_id = await _service(pool)
    infos = Infos(pool)
    info = await infos.create(
        InfoWrite(service_id=service_id, title="Avent", content="b", valid_from=T0, valid_to=T1)
    )
    with pytest.raises(InvalidRequest) as caught:
        await infos.update(InfoUpdate(id=info.id, valid_from=T1))
    assert caught.value.status == 422
    assert (await infos.get(info.id)).valid_from == T0


async def test_an_info_is_updated_and_its_bounds_cleared(pool: asyncpg.Pool) -> None:
    service_id = await _service(pool)
    infos = Infos(pool)
    info = await infos.create(
        InfoWrite(service_id=service_id, title="Avent", content="b", valid_from=T0, valid_to=T1)
    )
    updated = await infos.update(InfoUpdate(id=info.id, content="Nouveau", clear_valid_to=True))
    assert (updated.content, updated.valid_from, updated.valid_to) == ("Nouveau", T0, None)
    assert updated.updated_at > info.updated_at
    await infos.delete(info.id)
    with pytest.raises(NotFound):
        await infos.get(info.id)


async def test_a_naive_valid_at_is_taken_as_utc(pool: asyncpg.Pool) -> None:
    service_id = await _service(pool)
    infos = Infos(pool)
    await infos.create(InfoWrite(service_id=service_id, title="Avent", content="b", valid_from=T0))
    naive = T0.replace(tzinfo=None)
    assert len(await infos.for_service(service_id, valid_at=naive)) == 1
    assert await infos.for_service(service_id, valid_at=naive - timedelta(seconds=1)) == []


# --- roles ------------------------------------------------------------------------------


async def test_a_role_with_a_code_stores_its_keyed_hash_and_never_returns_it(
    pool: asyncpg.Pool,
) -> None:
    service_id = await _service(pool, "CATECHESE")
    user_id = await Users(pool, TEST_TOMBSTONES).resolve(pool, "33600000001@c.us")
    role = await Roles(pool, KEY).grant(
        RoleWrite(user_id=user_id, service_id=service_id, role="parent", intrinsic_id="sm-4821 ")
    )
    assert role.has_intrinsic_id
    assert "intrinsic_id" not in role.__struct_fields__
    stored = await pool.fetchval("SELECT intrinsic_id FROM user_services WHERE id = $1", role.id)
    assert stored == hash_code(KEY, service_id, "SM4821")
    assert "4821" not in stored


async def test_roles_are_listed_by_user_or_by_service_and_revoked(pool: asyncpg.Pool) -> None:
    renseignement = await _service(pool)
    catechese = await _service(pool, "CATECHESE")
    user_id = await Users(pool, TEST_TOMBSTONES).resolve(pool, "33600000001@c.us")
    roles = Roles(pool, KEY)
    agent = await roles.grant(RoleWrite(user_id=user_id, service_id=renseignement, role="agent"))
    parent = await roles.grant(RoleWrite(user_id=user_id, service_id=catechese, role="parent"))

    assert [r.id for r in await roles.matching(user_id=user_id)] == [agent.id, parent.id]
    assert [r.id for r in await roles.matching(service_id=catechese)] == [parent.id]
    assert not parent.has_intrinsic_id

    assert (await roles.revoke(agent.id)).id == agent.id
    assert [r.id for r in await roles.matching(user_id=user_id)] == [parent.id]
    with pytest.raises(NotFound):
        await roles.revoke(agent.id)


async def test_a_duplicate_role_or_a_taken_code_is_a_conflict(pool: asyncpg.Pool) -> None:
    service_id = await _service(pool, "CATECHESE")
    users = Users(pool, TEST_TOMBSTONES)
    first = await users.resolve(pool, "33600000001@c.us")
    second = await users.resolve(pool, "33600000002@c.us")
    roles = Roles(pool, KEY)
    await roles.grant(RoleWrite(user_id=first, service_id=service_id, role="parent"))
    with pytest.raises(Conflict):
        await roles.grant(RoleWrite(user_id=first, service_id=service_id, role="parent"))
    await roles.grant(
        RoleWrite(user_id=first, service_id=service_id, role="parent", intrinsic_id="SM-4821")
    )
    with pytest.raises(Conflict):
        await roles.grant(
            RoleWrite(user_id=second, service_id=service_id, role="parent", intrinsic_id="sm 4821")
        )


async def test_roles_of_an_unknown_user_are_not_found(pool: asyncpg.Pool) -> None:
    with pytest.raises(NotFound):
        await Roles(pool, KEY).matching(user_id=str(uuid.uuid4()))
    with pytest.raises(InvalidRequest):
        await Roles(pool, KEY).matching()


async def test_granting_to_an_unknown_user_is_not_found(pool: asyncpg.Pool) -> None:
    service_id = await _service(pool)
    with pytest.raises(NotFound):
        await Roles(pool, KEY).grant(
            RoleWrite(user_id=str(uuid.uuid4()), service_id=service_id, role="member")
        )
