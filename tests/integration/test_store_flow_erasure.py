"""Privacy erasure also removes a person's handoffs, their audit trail and their code
attempts, counts them in the report, and leaves another person's alone."""

from __future__ import annotations

from pathlib import Path

from concierge_common.contracts.store_api import CodeClaim, HandoffMove, HandoffOpen, ServiceWrite
from concierge_common.storage.media_storage import LocalMediaStorage
from store.catalog import Catalog
from store.claims import ClaimPolicy, Claims
from store.erasure import Erasure
from store.handoffs import Handoffs
from support.store_db import TEST_TOMBSTONES
from support.store_sessions import SessionStore


async def _person_with_history(store: SessionStore, phone: str) -> str:
    """A person with a returned handoff, an open one, and two wrong codes."""
    user_id = await store.users.resolve(store.pool, f"{phone}@c.us")
    handoffs = Handoffs(store.pool, store.sessions)
    for _ in range(2):
        handoff = await handoffs.open(
            HandoffOpen(
                conversation_id=phone,
                user_id=user_id,
                wa_session="default",
                chat_id=f"{phone}@c.us",
                reason="asked for a human",
                requested_by="person",
            )
        )
    await handoffs.move(HandoffMove(id=handoff.id, to="returned", actor="person"))
    await handoffs.open(
        HandoffOpen(
            conversation_id=phone,
            user_id=user_id,
            wa_session="default",
            chat_id=f"{phone}@c.us",
            reason="asked again",
            requested_by="person",
        )
    )
    claims = Claims(store.pool, "k", ClaimPolicy())
    for code in ("SM-0000", "SM-1111"):
        await claims.claim(CodeClaim(user_id=user_id, service_name="CATECHESE", code=code))
    return user_id


async def test_erasure_removes_the_persons_handoffs_and_code_attempts(
    store: SessionStore, tmp_path: Path
) -> None:
    await Catalog(store.pool).create(ServiceWrite(name="CATECHESE"))
    erased = await _person_with_history(store, "33600000911")
    kept = await _person_with_history(store, "33600000912")

    report = await Erasure(store.pool, LocalMediaStorage(tmp_path), TEST_TOMBSTONES).erase_user(
        erased
    )

    assert report.rows["handoffs"] == 2
    assert report.rows["handoff_events"] == 3  # requested, returned; requested
    assert report.rows["code_attempts"] == 1
    assert report.rows["sessions"] == 2
    for table in ("handoffs", "code_attempts"):
        owners = await store.pool.fetch(f"SELECT DISTINCT user_id FROM {table}")  # noqa: S608
        assert [str(row["user_id"]) for row in owners] == [kept]
    assert await store.pool.fetchval("SELECT count(*) FROM handoff_events") == 3


async def test_erasing_a_person_without_handoffs_reports_no_such_rows(
    store: SessionStore, tmp_path: Path
) -> None:
    user_id = await store.users.resolve(store.pool, "33600000913@c.us")
    report = await Erasure(store.pool, LocalMediaStorage(tmp_path), TEST_TOMBSTONES).erase_user(
        user_id
    )
    assert "handoffs" not in report.rows
    assert report.rows["users"] == 1
