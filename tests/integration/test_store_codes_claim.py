"""code.claim: a parent proves a family code once, wrong codes lock them out for a while,
both parents of a family get the family's record, and family.get shows a person only
the records their own codes opened."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import msgspec
import pytest
from prometheus_client import REGISTRY

from concierge_common.contracts.store_api import CodeClaim, FamilyQuery, RoleWrite, ServiceWrite
from concierge_common.errors import NotFound
from store import seed
from store.catalog import Catalog
from store.claims import ClaimPolicy, Claims
from store.codes import hash_code
from store.families import Families
from store.roles import Roles
from store.users import Users
from support.store_db import TEST_TOMBSTONES, migrated_pool

KEY = "test-intrinsic-key"
LEFEVRE = {"family": "Famille Lefèvre", "children": [{"first_name": "Léa"}]}
NGUYEN = {"family": "Famille Nguyen", "children": [{"first_name": "Minh"}]}


@dataclass
class Parish:
    pool: asyncpg.Pool
    service_id: str
    claims: Claims

    async def provision(self, code: str, attributes: dict[str, Any]) -> str:
        """A family's code as the seed provisions it: nobody claimed it yet."""
        row_id = await self.pool.fetchval(
            "INSERT INTO user_services (service_id, role, intrinsic_id, attributes)"
            " VALUES ($1, 'parent', $2, $3) RETURNING id",
            self.service_id,
            hash_code(KEY, self.service_id, code),
            attributes,
        )
        return str(row_id)

    async def person(self, phone: str) -> str:
        return await Users(self.pool, TEST_TOMBSTONES).resolve(self.pool, f"{phone}@c.us")

    async def claim(
        self, user_id: str, code: str, service: str = "CATECHESE", message_id: str = ""
    ) -> Any:
        claim = CodeClaim(user_id=user_id, service_name=service, code=code, message_id=message_id)
        return await self.claims.claim(claim)

    async def attempts(self, user_id: str) -> asyncpg.Record:
        row = await self.pool.fetchrow(
            "SELECT * FROM code_attempts WHERE user_id = $1 AND service_id = $2",
            user_id,
            self.service_id,
        )
        assert row is not None
        return row


@pytest.fixture
async def parish(database_url: str) -> AsyncIterator[Parish]:
    async with migrated_pool(database_url, max_size=10) as pool:
        service = await Catalog(pool).create(ServiceWrite(name="CATECHESE"))
        yield Parish(pool, service.id, Claims(pool, KEY, ClaimPolicy(max_attempts=3)))


def _claims_counted(outcome: str) -> float:
    value = REGISTRY.get_sample_value("concierge_store_code_claims_total", {"outcome": outcome})
    return value or 0.0


async def test_the_right_code_binds_the_provisioned_family_to_the_parent(parish: Parish) -> None:
    row_id = await parish.provision("SM-4821", LEFEVRE)
    parent = await parish.person("33600000001")
    before = _claims_counted("accepted")

    result = await parish.claim(parent, " sm 4821 ")

    assert (result.status, result.role_id, result.attempts_left) == ("accepted", row_id, 3)
    owner = await parish.pool.fetchval("SELECT user_id FROM user_services WHERE id = $1", row_id)
    assert str(owner) == parent
    assert _claims_counted("accepted") == before + 1
    family = await parish.claims.family(FamilyQuery(user_id=parent, service_name="catechese"))
    assert [(f.role_id, f.role, f.attributes) for f in family] == [(row_id, "parent", LEFEVRE)]


async def test_claiming_the_same_code_again_keeps_the_same_role(parish: Parish) -> None:
    row_id = await parish.provision("SM-4821", LEFEVRE)
    parent = await parish.person("33600000001")
    first = await parish.claim(parent, "SM-4821")
    again = await parish.claim(parent, "SM4821")
    assert first.role_id == again.role_id == row_id
    assert await parish.pool.fetchval("SELECT count(*) FROM user_services") == 1


async def test_a_wrong_code_is_rejected_with_the_attempts_left(parish: Parish) -> None:
    await parish.provision("SM-4821", LEFEVRE)
    parent = await parish.person("33600000001")
    before = _claims_counted("rejected")

    first = await parish.claim(parent, "SM-0000")
    second = await parish.claim(parent, "SM-1111")

    assert (first.status, first.attempts_left) == ("rejected", 2)
    assert (second.status, second.attempts_left) == ("rejected", 1)
    assert first.role_id is None
    assert first.locked_until is None
    assert _claims_counted("rejected") == before + 2
    assert await parish.claims.family(FamilyQuery(user_id=parent, service_name="CATECHESE")) == []


async def test_a_redelivered_wrong_code_costs_one_attempt_not_two(parish: Parish) -> None:
    await parish.provision("SM-4821", LEFEVRE)
    parent = await parish.person("33600000001")

    first = await parish.claim(parent, "SM-0000", message_id="msg-1")
    redelivered = await parish.claim(parent, "SM-0000", message_id="msg-1")
    next_message = await parish.claim(parent, "SM-0000", message_id="msg-2")

    assert (first.status, first.attempts_left) == ("rejected", 2)
    assert (redelivered.status, redelivered.attempts_left) == ("rejected", 2)
    assert (next_message.status, next_message.attempts_left) == ("rejected", 1)
    assert (await parish.attempts(parent))["failures"] == 2


async def test_the_right_code_forgets_the_message_of_the_last_failure(parish: Parish) -> None:
    await parish.provision("SM-4821", LEFEVRE)
    parent = await parish.person("33600000001")
    await parish.claim(parent, "SM-0000", message_id="msg-1")
    assert (await parish.attempts(parent))["last_failed_message"] == "msg-1"

    accepted = await parish.claim(parent, "SM-4821", message_id="msg-2")

    assert accepted.status == "accepted"
    attempts = await parish.attempts(parent)
    assert (attempts["failures"], attempts["last_failed_message"]) == (0, None)


async def test_the_last_wrong_code_locks_the_parent_out_even_for_the_right_code(
    parish: Parish,
) -> None:
    row_id = await parish.provision("SM-4821", LEFEVRE)
    parent = await parish.person("33600000001")
    for wrong in ("SM-0000", "SM-1111"):
        assert (await parish.claim(parent, wrong)).status == "rejected"

    locked = await parish.claim(parent, "SM-2222")
    right_while_locked = await parish.claim(parent, "SM-4821")

    assert (locked.status, locked.attempts_left) == ("locked", 0)
    assert locked.locked_until is not None
    assert right_while_locked.status == "locked"
    assert right_while_locked.locked_until == locked.locked_until
    owner = await parish.pool.fetchval("SELECT user_id FROM user_services WHERE id = $1", row_id)
    assert owner is None
    attempts = await parish.attempts(parent)
    assert attempts["failures"] == 0  # the attempt while locked did not count
    window = await parish.pool.fetchval(
        "SELECT locked_until - now() FROM code_attempts WHERE user_id = $1", parent
    )
    assert 0 < window.total_seconds() <= 900


async def test_a_lockout_ends_after_its_duration(parish: Parish) -> None:
    await parish.provision("SM-4821", LEFEVRE)
    parent = await parish.person("33600000001")
    claims = Claims(parish.pool, KEY, ClaimPolicy(max_attempts=1, lockout_seconds=0.2))
    wrong = CodeClaim(user_id=parent, service_name="CATECHESE", code="SM-0000")
    right = CodeClaim(user_id=parent, service_name="CATECHESE", code="SM-4821")
    assert (await claims.claim(wrong)).status == "locked"

    while (await parish.pool.fetchval("SELECT locked_until > now() FROM code_attempts")) is True:
        await asyncio.sleep(0.05)
    result = await claims.claim(right)

    assert result.status == "accepted"
    attempts = await parish.attempts(parent)
    assert (attempts["failures"], attempts["locked_until"]) == (0, None)


async def test_failures_older_than_the_window_are_forgotten(parish: Parish) -> None:
    await parish.provision("SM-4821", LEFEVRE)
    parent = await parish.person("33600000001")
    await parish.claim(parent, "SM-0000")
    await parish.claim(parent, "SM-1111")
    await parish.pool.execute(
        "UPDATE code_attempts SET first_failure_at = now() - interval '1 hour'"
    )

    result = await parish.claim(parent, "SM-2222")

    assert (result.status, result.attempts_left) == ("rejected", 2)


async def test_the_right_code_forgets_earlier_failures(parish: Parish) -> None:
    await parish.provision("SM-4821", LEFEVRE)
    parent = await parish.person("33600000001")
    await parish.claim(parent, "SM-0000")
    await parish.claim(parent, "SM-4821")
    attempts = await parish.attempts(parent)
    assert (attempts["failures"], attempts["first_failure_at"]) == (0, None)
    assert (await parish.claim(parent, "SM-0000")).attempts_left == 2


async def test_the_second_parent_gets_a_copy_of_the_family_record(parish: Parish) -> None:
    row_id = await parish.provision("SM-4821", LEFEVRE)
    mother = await parish.person("33600000001")
    father = await parish.person("33600000002")

    first = await parish.claim(mother, "SM-4821")
    second = await parish.claim(father, "sm-4821")
    second_again = await parish.claim(father, "SM-4821")

    assert first.role_id == row_id
    assert second.status == "accepted"
    assert second.role_id not in (None, row_id)
    assert second_again.role_id == second.role_id
    rows = await parish.pool.fetch(
        "SELECT user_id, role, intrinsic_id, attributes FROM user_services ORDER BY created_at"
    )
    assert [str(row["user_id"]) for row in rows] == [mother, father]
    assert len({(row["role"], row["intrinsic_id"]) for row in rows}) == 1
    assert all(row["attributes"] == LEFEVRE for row in rows)
    for parent, role_id in ((mother, row_id), (father, second.role_id)):
        family = await parish.claims.family(FamilyQuery(user_id=parent, service_name="CATECHESE"))
        assert [f.role_id for f in family] == [role_id]


async def test_family_get_never_returns_another_familys_record(parish: Parish) -> None:
    await parish.provision("SM-4821", LEFEVRE)
    await parish.provision("SM-7390", NGUYEN)
    lefevre = await parish.person("33600000001")
    nguyen = await parish.person("33600000002")
    stranger = await parish.person("33600000003")
    await parish.claim(lefevre, "SM-4821")
    await parish.claim(nguyen, "SM-7390")
    # A role without a code (granted by an administrator) opens no family record.
    await Roles(parish.pool, KEY).grant(
        RoleWrite(user_id=stranger, service_id=parish.service_id, role="parent")
    )

    def query(user_id: str) -> FamilyQuery:
        return FamilyQuery(user_id=user_id, service_name="CATECHESE")

    assert [f.attributes for f in await parish.claims.family(query(lefevre))] == [LEFEVRE]
    assert [f.attributes for f in await parish.claims.family(query(nguyen))] == [NGUYEN]
    assert await parish.claims.family(query(stranger)) == []


async def test_an_unknown_service_or_person_is_not_found(parish: Parish) -> None:
    parent = await parish.person("33600000001")
    with pytest.raises(NotFound):
        await parish.claim(parent, "SM-4821", service="INCONNU")
    with pytest.raises(NotFound):
        await parish.claim("00000000-0000-0000-0000-000000000000", "SM-4821")
    with pytest.raises(NotFound):
        await parish.claims.family(FamilyQuery(user_id=parent, service_name="INCONNU"))
    with pytest.raises(NotFound):
        await parish.claims.family(
            FamilyQuery(user_id="00000000-0000-0000-0000-000000000000", service_name="CATECHESE")
        )


async def test_concurrent_wrong_codes_of_one_parent_are_counted_exactly(parish: Parish) -> None:
    await parish.provision("SM-4821", LEFEVRE)
    parent = await parish.person("33600000001")

    results = await asyncio.gather(*(parish.claim(parent, f"SM-000{n}") for n in range(6)))

    assert sorted((r.status, r.attempts_left) for r in results) == [
        ("locked", 0),
        ("locked", 0),
        ("locked", 0),
        ("locked", 0),
        ("rejected", 1),
        ("rejected", 2),
    ]
    attempts = await parish.attempts(parent)
    assert attempts["failures"] == 0
    assert attempts["locked_until"] is not None


async def test_both_parents_claiming_at_once_each_get_their_row(parish: Parish) -> None:
    await parish.provision("SM-4821", LEFEVRE)
    parents = [await parish.person(f"3360000000{n}") for n in range(1, 5)]

    results = await asyncio.gather(*(parish.claim(parent, "SM-4821") for parent in parents))

    assert {r.status for r in results} == {"accepted"}
    assert len({r.role_id for r in results}) == len(parents)
    owners = await parish.pool.fetch("SELECT user_id FROM user_services")
    assert sorted(str(row["user_id"]) for row in owners) == sorted(parents)


async def test_reseeding_updates_every_parents_copy_and_provisions_nothing_new(
    parish: Parish, database_url: str
) -> None:
    data = seed.load()
    await seed.seed_database(database_url, KEY, data)
    catechese = await Catalog(parish.pool).get_by_name("CATECHESE")
    claims = Claims(parish.pool, KEY, ClaimPolicy())
    mother, father = await parish.person("33600000001"), await parish.person("33600000002")
    for parent in (mother, father):
        claim = CodeClaim(user_id=parent, service_name="CATECHESE", code="SM-4821")
        assert (await claims.claim(claim)).status == "accepted"
    family = data.families[0]
    changed = {**family.attributes, "parents": ["Claire Lefèvre", "Julien Martin"]}
    families = [msgspec.structs.replace(family, attributes=changed), *data.families[1:]]

    report = await seed.seed_database(
        database_url, KEY, msgspec.structs.replace(data, families=families)
    )

    assert (report.families_created, report.families_updated) == (0, 1)
    rows = await parish.pool.fetch(
        "SELECT user_id, attributes FROM user_services WHERE intrinsic_id = $1",
        hash_code(KEY, catechese.id, family.code),
    )
    assert sorted(str(row["user_id"]) for row in rows) == sorted([mother, father])
    assert all(row["attributes"]["parents"][1] == "Julien Martin" for row in rows)


async def test_both_parents_roles_belong_to_the_family_and_go_with_its_revoked_code(
    parish: Parish, database_url: str
) -> None:
    await seed.seed_database(database_url, KEY, seed.load())
    catechese = await Catalog(parish.pool).get_by_name("CATECHESE")
    claims = Claims(parish.pool, KEY, ClaimPolicy())
    for phone in ("33600000001", "33600000002"):
        claim = CodeClaim(
            user_id=await parish.person(phone), service_name="CATECHESE", code="SM-4821"
        )
        assert (await claims.claim(claim)).status == "accepted"
    families = Families(parish.pool, KEY)
    lefevre = (await families.for_service(catechese.id))[0]
    assert lefevre.verified_parents == 2

    await families.revoke_code(lefevre.id)

    left = await parish.pool.fetchval(
        "SELECT count(*) FROM user_services WHERE intrinsic_id = $1",
        hash_code(KEY, catechese.id, "SM-4821"),
    )
    assert left == 0
