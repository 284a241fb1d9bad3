"""Issue 14, item 1: parent codes cannot be guessed by changing identity.

The attack of the issue: three tries each over thousands of identities (WhatsApp
numbers, ``POST /orchestrate`` users), enumerating short codes until a family's
record opens. The store's claims run against the real PostgreSQL with the
product's default budgets; the attacker even knows where the right codes are in
their enumeration (past the budgets): no claim is accepted, no family row is
bound to or copied for an attacker, and staff are alerted once per pause.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from prometheus_client import REGISTRY

from concierge_common.contracts.store_api import ClaimResult, CodeClaim, ServiceWrite
from store.catalog import Catalog
from store.claim_limits import ClaimLimits
from store.claims import ClaimPolicy, Claims
from store.codes import hash_code
from support.store_db import migrated_pool

KEY = "security-test-key"
LEFEVRE = {"family": "Famille Lefèvre", "children": [{"first_name": "Léa"}]}
NGUYEN = {"family": "Famille Nguyen", "children": [{"first_name": "Minh"}]}
WEAK_CODE = "SM-4821"
STRONG_CODE = "K7PM-3QX9-HT4C"
IDENTITIES = 3300
TRIES = 3
DEFAULTS = ClaimLimits()


@dataclass
class Parish:
    pool: asyncpg.Pool
    service_id: str
    claims: Claims

    async def provision(self, code: str, attributes: dict[str, Any]) -> str:
        return str(
            await self.pool.fetchval(
                "INSERT INTO user_services (service_id, role, intrinsic_id, attributes)"
                " VALUES ($1, 'parent', $2, $3) RETURNING id",
                self.service_id,
                hash_code(KEY, self.service_id, code),
                attributes,
            )
        )

    async def people(self, ids: Sequence[str]) -> list[str]:
        """One person per id (``...@c.us`` or ``<channel>:<user>@api``), in order."""
        rows = await self.pool.fetch(
            "WITH new AS (SELECT gen_random_uuid() AS id, wid, n"
            " FROM unnest($1::text[]) WITH ORDINALITY AS t(wid, n)),"
            " users_in AS (INSERT INTO users (id) SELECT id FROM new),"
            " ids_in AS (INSERT INTO user_whatsapp_ids (whatsapp_id, user_id)"
            " SELECT wid, id FROM new)"
            " SELECT id FROM new ORDER BY n",
            list(ids),
        )
        return [str(row["id"]) for row in rows]

    async def claim(self, user_id: str, code: str, message_id: str = "") -> ClaimResult:
        request = CodeClaim(
            user_id=user_id, service_name="CATECHESE", code=code, message_id=message_id
        )
        return await self.claims.claim(request)

    async def rows_of_people(self, people: Sequence[str]) -> int:
        count = await self.pool.fetchval(
            "SELECT count(*) FROM user_services WHERE user_id = ANY($1::uuid[])", list(people)
        )
        return int(count)


@pytest.fixture
async def parish(database_url: str) -> AsyncIterator[Parish]:
    async with migrated_pool(database_url, max_size=10) as pool:
        service = await Catalog(pool).create(ServiceWrite(name="CATECHESE"))
        yield Parish(pool, service.id, Claims(pool, KEY, ClaimPolicy()))


def _pauses(scope: str) -> float:
    sample = REGISTRY.get_sample_value("concierge_store_code_claim_pauses_total", {"scope": scope})
    return sample or 0.0


def _checked(result: ClaimResult) -> bool:
    """Whether the code was looked at (the failure that started a pause was)."""
    return not result.paused or result.pause_started


def _enumeration(count: int, *, right_at: dict[int, str]) -> list[str]:
    """Short guesses in order ("SM-0000", "SM-0001"...), with right codes at given places."""
    guesses = [f"SM-{n:04d}" for n in range(count)]
    for place, code in right_at.items():
        guesses[place] = code
    return guesses


async def _attack(parish: Parish, people: list[str], guesses: list[str]) -> list[ClaimResult]:
    """Each identity tries ``TRIES`` guesses in turn, ten identities at a time."""
    results: list[ClaimResult] = [ClaimResult(status="rejected", attempts_left=0)] * len(guesses)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(guesses)):
        queue.put_nowait(index)

    async def worker() -> None:
        while not queue.empty():
            index = queue.get_nowait()
            person = people[index // TRIES]
            results[index] = await parish.claim(person, guesses[index], message_id=f"m{index}")

    await asyncio.gather(*(worker() for _ in range(10)))
    return results


async def test_thousands_of_whatsapp_identities_reach_no_family_record(parish: Parish) -> None:
    await parish.provision(WEAK_CODE, LEFEVRE)
    await parish.provision(STRONG_CODE, NGUYEN)
    people = await parish.people([f"336{n:08d}@c.us" for n in range(IDENTITIES)])
    # The attacker's enumeration holds both right codes, right after the first budget.
    right_at = {DEFAULTS.source_budget + 5: WEAK_CODE, DEFAULTS.source_budget + 50: STRONG_CODE}
    guesses = _enumeration(IDENTITIES * TRIES, right_at=right_at)
    before = _pauses("source")

    results = await _attack(parish, people, guesses)

    assert [r for r in results if r.status == "accepted"] == []
    assert await parish.rows_of_people(people) == 0
    checked = [r for r in results if _checked(r)]
    # Codes were checked only until the WhatsApp source's budget was spent ...
    assert len(checked) == DEFAULTS.source_budget
    # ... and every later claim, the right codes included, was refused unchecked.
    assert all(results[place].paused for place in right_at)
    assert sum(r.pause_started for r in results) == 1
    assert _pauses("source") == before + 1


async def test_identities_on_several_api_channels_reach_no_family_record(parish: Parish) -> None:
    await parish.provision(WEAK_CODE, LEFEVRE)
    channels = [f"chan{c}" for c in range(10)]
    ids = [f"{channel}:u{n}@api" for channel in channels for n in range(IDENTITIES // 10)]
    people = await parish.people(ids)
    guesses = _enumeration(len(people) * TRIES, right_at={DEFAULTS.channel_budget + 1: WEAK_CODE})

    results = await _attack(parish, people, guesses)

    assert [r for r in results if r.status == "accepted"] == []
    assert await parish.rows_of_people(people) == 0
    # However many API channels, the api channel's budget bounds the guesses.
    assert len([r for r in results if _checked(r)]) == DEFAULTS.channel_budget


async def test_a_pause_of_one_api_channel_leaves_whatsapp_parents_alone(parish: Parish) -> None:
    row_id = await parish.provision(STRONG_CODE, NGUYEN)
    attackers = await parish.people([f"evil:u{n}@api" for n in range(30)])
    [parent] = await parish.people(["33611112222@c.us"])
    [neighbour] = await parish.people(["evil:honest@api"])
    for n in range(DEFAULTS.source_budget):
        await parish.claim(attackers[n], f"SM-{n:04d}")

    refused = await parish.claim(neighbour, STRONG_CODE)
    accepted = await parish.claim(parent, " k7pm 3qx9 ht4c ")

    assert (refused.status, refused.paused) == ("locked", True)
    assert refused.retry_after_seconds > 0
    assert refused.locked_until is not None
    assert (accepted.status, accepted.role_id) == ("accepted", row_id)


async def test_short_codes_stop_working_after_too_many_wrong_short_codes(parish: Parish) -> None:
    await parish.provision(WEAK_CODE, LEFEVRE)
    strong_row = await parish.provision(STRONG_CODE, NGUYEN)
    people = await parish.people([f"3362000{n:04d}@c.us" for n in range(DEFAULTS.weak_budget)])
    for n, person in enumerate(people):
        await parish.claim(person, f"SM-{n:04d}")
    # The hour's pause ends (its failures leave the window); the day's count stays.
    await parish.pool.execute("DELETE FROM code_claim_failures WHERE scope NOT LIKE 'weak:%'")
    [parent, other] = await parish.people(["33633334444@c.us", "33655556666@c.us"])

    weak = await parish.claim(parent, WEAK_CODE)
    strong = await parish.claim(other, STRONG_CODE)

    assert (weak.status, weak.attempts_left) == ("rejected", 2)  # like any wrong code
    assert (strong.status, strong.role_id) == ("accepted", strong_row)
    suspended = await parish.pool.fetchval(
        "SELECT count(*) FROM weak_code_suspensions WHERE service_id = $1", parish.service_id
    )
    assert suspended == 1


async def test_lockouts_in_a_row_grow(parish: Parish) -> None:
    [person] = await parish.people(["33677778888@c.us"])
    durations = []
    for round_ in range(3):
        for n in range(TRIES):
            result = await parish.claim(person, f"SM-{round_}{n:03d}")
        assert result.status == "locked"
        assert not result.paused
        durations.append(result.retry_after_seconds)
        # The lockout ran out (no wait in a test: its end is moved to the past).
        await parish.pool.execute(
            "UPDATE code_attempts SET locked_until = now() - interval '1 second'"
        )
    first = ClaimPolicy().lockout_seconds
    assert [round(d / first) for d in durations] == [1, 2, 4]


async def test_a_redelivered_wrong_code_is_not_counted_in_the_budgets(parish: Parish) -> None:
    [person] = await parish.people(["33699990000@c.us"])
    await parish.claim(person, "SM-0001", message_id="once")
    await parish.claim(person, "SM-0001", message_id="once")
    counted = await parish.pool.fetchval(
        "SELECT count(*) FROM code_claim_failures WHERE scope = 'global'"
    )
    assert counted == 1
