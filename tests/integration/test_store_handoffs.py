"""Handoffs in the store: opening is idempotent (even concurrently) and hands the
person's session to a human at once, moves follow the transition rules (409
otherwise), returning opens a fresh session, activity and the one-time notice
are recorded, and every state entered leaves an audit event."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from prometheus_client import REGISTRY

from concierge_common.contracts.store_api import (
    HandoffListQuery,
    HandoffMove,
    HandoffOpen,
    HandoffQuery,
    HandoffTouch,
    HandoffView,
    SessionUpdate,
)
from concierge_common.errors import Conflict, InvalidRequest, NotFound
from store.handoff_reads import HandoffReads
from store.handoffs import Handoffs
from support.store_sessions import SessionStore, session_store

PHONE = "33600000701@c.us"
CONVERSATION = "ab" * 16
UNKNOWN_ID = "00000000-0000-0000-0000-000000000000"


@dataclass
class Desk:
    store: SessionStore
    handoffs: Handoffs
    reads: HandoffReads

    async def person(self, phone: str = PHONE) -> str:
        return await self.store.users.resolve(self.store.pool, phone)

    async def open(self, user_id: str, **changes: Any) -> HandoffView:
        fields: dict[str, Any] = {
            "conversation_id": CONVERSATION,
            "user_id": user_id,
            "wa_session": "default",
            "chat_id": PHONE,
            "reason": "the assistant has no answer",
            "requested_by": "ai",
            "summary": "Peut-on réserver la salle paroissiale ?",
            **changes,
        }
        return await self.handoffs.open(HandoffOpen(**fields))

    async def move(self, handoff_id: str, to: Any, **changes: Any) -> HandoffView:
        return await self.handoffs.move(
            HandoffMove(id=handoff_id, to=to, actor=changes.pop("actor", "staff:Marie"), **changes)
        )

    async def session_row(self, session_id: str | None) -> Any:
        assert session_id is not None
        return await self.store.row(session_id)

    async def open_sessions(self, user_id: str) -> list[Any]:
        return list(
            await self.store.pool.fetch(
                "SELECT * FROM sessions WHERE user_id = $1"
                " AND status IN ('active', 'awaiting_input', 'handoff')",
                user_id,
            )
        )


@pytest.fixture
async def desk(database_url: str) -> AsyncIterator[Desk]:
    async with session_store(database_url) as store:
        yield Desk(store, Handoffs(store.pool, store.sessions), HandoffReads(store.pool))


def _opened(requested_by: str) -> float:
    value = REGISTRY.get_sample_value(
        "concierge_store_handoffs_opened_total", {"requested_by": requested_by}
    )
    return value or 0.0


def _transitions(to_state: str) -> float:
    value = REGISTRY.get_sample_value(
        "concierge_store_handoff_transitions_total", {"to_state": to_state}
    )
    return value or 0.0


async def test_opening_hands_the_open_session_to_a_human_at_once(desk: Desk) -> None:
    session = await desk.store.sessions.open(PHONE)
    before = _opened("ai")

    handoff = await desk.open(session.user_id)

    assert handoff.created is True
    assert re.fullmatch(r"H[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{4}", handoff.reference)
    assert (handoff.state, handoff.requested_by, handoff.session_id) == (
        "requested",
        "ai",
        session.id,
    )
    assert (handoff.assigned_to, handoff.ended_at, handoff.notice_sent_at) == (None, None, None)
    assert (await desk.session_row(session.id))["status"] == "handoff"
    assert (await desk.store.sessions.get(session.id)).status == "handoff"
    continued = await desk.store.sessions.open(PHONE)
    assert (continued.id, continued.status) == (session.id, "handoff")
    assert _opened("ai") == before + 1


async def test_opening_for_a_person_without_a_session_creates_one_in_handoff(desk: Desk) -> None:
    user_id = await desk.person()

    handoff = await desk.open(user_id)

    sessions = await desk.open_sessions(user_id)
    assert [str(row["id"]) for row in sessions] == [handoff.session_id]
    assert sessions[0]["status"] == "handoff"


async def test_opening_twice_returns_the_open_handoff(desk: Desk) -> None:
    user_id = await desk.person()
    before = _opened("person")
    first = await desk.open(user_id, requested_by="person")
    second = await desk.open(user_id, requested_by="person", reason="again")

    assert second.created is False
    assert (second.id, second.reference, second.reason) == (first.id, first.reference, first.reason)
    assert _opened("person") == before + 1
    assert len(await desk.reads.events(first.id)) == 1


async def test_the_opening_message_is_kept_and_a_later_open_does_not_replace_it(
    desk: Desk,
) -> None:
    user_id = await desk.person()
    first = await desk.open(user_id, requested_by="person", message_id="msg-opening")
    again = await desk.open(user_id, requested_by="person", message_id="msg-later")
    owner = await desk.open(user_id, requested_by="operator", assigned_to="phone")

    assert first.opened_by_message == "msg-opening"
    assert again.opened_by_message == owner.opened_by_message == "msg-opening"
    assert again.created is owner.created is False
    found = await desk.reads.find(HandoffQuery(conversation_id=CONVERSATION))
    assert (found.id, found.opened_by_message) == (first.id, "msg-opening")
    assert (await desk.reads.get(first.id)).opened_by_message == "msg-opening"
    [listed] = await desk.reads.listing(HandoffListQuery())
    assert listed.opened_by_message == "msg-opening"


async def test_a_handoff_opened_without_a_message_id_names_none(desk: Desk) -> None:
    handoff = await desk.open(await desk.person())

    assert handoff.opened_by_message is None
    row = await desk.store.pool.fetchrow("SELECT * FROM handoffs WHERE id = $1", handoff.id)
    assert row["opened_by_message"] is None


async def test_concurrent_opens_make_one_handoff(desk: Desk) -> None:
    user_id = await desk.person()

    opened = await asyncio.gather(*(desk.open(user_id) for _ in range(6)))

    assert len({handoff.id for handoff in opened}) == 1
    assert sorted(handoff.created for handoff in opened) == [False] * 5 + [True]
    assert await desk.store.pool.fetchval("SELECT count(*) FROM handoffs") == 1
    assert len(await desk.open_sessions(user_id)) == 1


async def test_opening_with_an_owner_starts_active(desk: Desk) -> None:
    user_id = await desk.person()

    handoff = await desk.open(user_id, requested_by="operator", assigned_to="phone")

    assert (handoff.state, handoff.assigned_to) == ("active", "phone")
    assert handoff.first_staff_reply_at is not None
    assert handoff.last_staff_at is not None
    events = await desk.reads.events(handoff.id)
    assert [(e.from_state, e.to_state, e.actor) for e in events] == [(None, "active", "operator")]


async def test_an_owner_answering_an_open_handoff_makes_it_active(desk: Desk) -> None:
    user_id = await desk.person()
    requested = await desk.open(user_id)
    before = _transitions("active")

    answered = await desk.open(user_id, requested_by="operator", assigned_to="phone")

    assert (answered.id, answered.created, answered.state) == (requested.id, False, "active")
    assert answered.assigned_to == "phone"
    assert answered.first_staff_reply_at is not None
    events = await desk.reads.events(requested.id)
    assert [(e.from_state, e.to_state) for e in events] == [
        (None, "requested"),
        ("requested", "active"),
    ]
    assert _transitions("active") == before + 1


async def test_opening_for_an_unknown_person_is_not_found(desk: Desk) -> None:
    with pytest.raises(NotFound):
        await desk.open(UNKNOWN_ID)


async def test_assigning_sets_the_owner_from_the_staff_actor(desk: Desk) -> None:
    handoff = await desk.open(await desk.person())

    assigned = await desk.move(handoff.id, "assigned", actor="staff:Marie", expected=["requested"])
    active = await desk.move(assigned.id, "active", actor="staff:Paul")

    assert (assigned.state, assigned.assigned_to) == ("assigned", "Marie")
    assert (active.state, active.assigned_to) == ("active", "Marie")
    assert (await desk.session_row(handoff.session_id))["status"] == "handoff"
    by_api = await desk.open(await desk.person("33600000702@c.us"), conversation_id="cd" * 16)
    activated = await desk.move(by_api.id, "active", actor="api:Jeanne")
    assert activated.assigned_to == "Jeanne"


async def test_an_unexpected_state_or_an_illegal_move_is_a_conflict(desk: Desk) -> None:
    handoff = await desk.open(await desk.person())
    await desk.move(handoff.id, "assigned")

    with pytest.raises(Conflict):
        await desk.move(handoff.id, "active", expected=["requested"])
    with pytest.raises(Conflict):
        await desk.move(handoff.id, "requested")
    with pytest.raises(Conflict):
        await desk.move(handoff.id, "assigned")
    assert (await desk.reads.get(handoff.id)).state == "assigned"
    with pytest.raises(NotFound):
        await desk.move(UNKNOWN_ID, "closed")
    with pytest.raises(NotFound):
        await desk.move("not-a-uuid", "closed")


async def test_returning_closes_the_handoff_session_and_opens_a_fresh_one(desk: Desk) -> None:
    session = await desk.store.sessions.open(PHONE)
    await desk.store.sessions.update(
        SessionUpdate(id=session.id, state={"topic": "salle"}, metadata={"lang": "fr"})
    )
    handoff = await desk.open(session.user_id)
    before = _transitions("returned")

    returned = await desk.move(handoff.id, "returned", actor="person", expected=["requested"])

    assert (returned.state, returned.session_id) == ("returned", session.id)
    assert returned.ended_at is not None
    old = await desk.session_row(session.id)
    assert old["status"] == "closed"
    assert old["metadata"] == {"lang": "fr", "ended_by": "handoff_return", "handoff_id": handoff.id}
    fresh = await desk.open_sessions(session.user_id)
    assert len(fresh) == 1
    assert (fresh[0]["status"], fresh[0]["state"], fresh[0]["metadata"]) == ("active", {}, {})
    assert str(fresh[0]["id"]) != session.id
    assert (await desk.store.sessions.get(session.id)).status == "closed"
    continued = await desk.store.sessions.open(PHONE)
    assert (continued.id, continued.status, continued.created) == (
        str(fresh[0]["id"]),
        "active",
        False,
    )
    assert _transitions("returned") == before + 1


async def test_closing_closes_the_session_without_opening_another(desk: Desk) -> None:
    user_id = await desk.person()
    handoff = await desk.open(user_id)

    closed = await desk.move(handoff.id, "closed", note="resolved by phone")

    assert closed.ended_at is not None
    row = await desk.session_row(handoff.session_id)
    assert (row["status"], row["metadata"]["ended_by"]) == ("closed", "handoff_close")
    assert await desk.open_sessions(user_id) == []
    with pytest.raises(Conflict):
        await desk.move(handoff.id, "returned")


async def test_a_new_handoff_may_open_once_the_last_one_is_over(desk: Desk) -> None:
    user_id = await desk.person()
    first = await desk.open(user_id)
    await desk.move(first.id, "returned")

    second = await desk.open(user_id)

    assert second.created is True
    assert second.id != first.id
    assert second.reference != first.reference
    assert second.session_id != first.session_id


async def test_touch_records_the_person_and_the_staff_activity(desk: Desk) -> None:
    handoff = await desk.open(await desk.person())

    person = await desk.handoffs.touch(HandoffTouch(id=handoff.id, by="person"))
    staff = await desk.handoffs.touch(HandoffTouch(id=handoff.id, by="staff", staff="Marie"))
    later = await desk.handoffs.touch(HandoffTouch(id=handoff.id, by="staff", staff="Paul"))

    assert person.last_person_at is not None
    assert (person.state, person.last_staff_at) == ("requested", None)
    assert (staff.state, staff.assigned_to) == ("active", "Marie")
    assert staff.first_staff_reply_at is not None
    assert later.assigned_to == "Marie"
    assert later.first_staff_reply_at == staff.first_staff_reply_at
    assert later.last_staff_at is not None
    assert staff.last_staff_at is not None
    assert later.last_staff_at >= staff.last_staff_at
    events = await desk.reads.events(handoff.id)
    assert [(e.to_state, e.actor) for e in events] == [
        ("requested", "ai"),
        ("active", "staff:Marie"),
    ]


async def test_touching_a_handoff_that_is_over_is_a_conflict(desk: Desk) -> None:
    handoff = await desk.open(await desk.person())
    await desk.move(handoff.id, "closed")
    with pytest.raises(Conflict):
        await desk.handoffs.touch(HandoffTouch(id=handoff.id, by="person"))
    with pytest.raises(NotFound):
        await desk.handoffs.touch(HandoffTouch(id=UNKNOWN_ID, by="staff"))


async def test_the_notice_is_marked_sent_once(desk: Desk) -> None:
    handoff = await desk.open(await desk.person())

    results = await asyncio.gather(
        *(desk.handoffs.notice(handoff.id) for _ in range(4)), return_exceptions=True
    )

    noticed = [r for r in results if isinstance(r, HandoffView)]
    assert len(noticed) == 1
    assert noticed[0].notice_sent_at is not None
    assert all(isinstance(r, Conflict) for r in results if r is not noticed[0])
    other = await desk.open(await desk.person("33600000702@c.us"), conversation_id="cd" * 16)
    await desk.move(other.id, "closed")
    with pytest.raises(Conflict):
        await desk.handoffs.notice(other.id)


async def test_find_by_conversation_or_reference(desk: Desk) -> None:
    handoff = await desk.open(await desk.person())

    by_conversation = await desk.reads.find(HandoffQuery(conversation_id=CONVERSATION))
    by_reference = await desk.reads.find(HandoffQuery(reference=f" {handoff.reference.lower()}"))
    both = await desk.reads.find(
        HandoffQuery(conversation_id=CONVERSATION, reference=handoff.reference)
    )

    assert by_conversation.id == by_reference.id == both.id == handoff.id
    with pytest.raises(NotFound):
        await desk.reads.find(HandoffQuery(conversation_id="ef" * 16, reference=handoff.reference))
    with pytest.raises(InvalidRequest):
        await desk.reads.find(HandoffQuery())
    await desk.move(handoff.id, "returned")
    with pytest.raises(NotFound):
        await desk.reads.find(HandoffQuery(conversation_id=CONVERSATION))
    assert (await desk.reads.find(HandoffQuery(reference=handoff.reference))).state == "returned"


async def test_list_shows_the_open_handoffs_oldest_first(desk: Desk) -> None:
    made = []
    for n in range(4):
        user_id = await desk.person(f"3360000080{n}@c.us")
        made.append(await desk.open(user_id, conversation_id=f"{n:032x}"))
    await desk.move(made[1].id, "closed")

    open_ones = await desk.reads.listing(HandoffListQuery())
    closed = await desk.reads.listing(HandoffListQuery(states=["closed"]))
    first_two = await desk.reads.listing(HandoffListQuery(limit=2))

    assert [h.id for h in open_ones] == [made[0].id, made[2].id, made[3].id]
    assert [h.id for h in closed] == [made[1].id]
    assert [h.id for h in first_two] == [made[0].id, made[2].id]
    with pytest.raises(InvalidRequest):
        await desk.reads.listing(HandoffListQuery(limit=0))


async def test_events_keep_the_whole_trail_in_order(desk: Desk) -> None:
    handoff = await desk.open(
        await desk.person(), requested_by="person", reason="asked for a human"
    )
    await desk.move(handoff.id, "assigned", actor="staff:Marie")
    await desk.handoffs.touch(HandoffTouch(id=handoff.id, by="staff", staff="Marie"))
    await desk.move(handoff.id, "returned", actor="timeout", note="idle")

    events = await desk.reads.events(handoff.id)

    assert [(e.from_state, e.to_state, e.actor, e.note) for e in events] == [
        (None, "requested", "person", "asked for a human"),
        ("requested", "assigned", "staff:Marie", ""),
        ("assigned", "active", "staff:Marie", "first staff answer"),
        ("active", "returned", "timeout", "idle"),
    ]
    with pytest.raises(NotFound):
        await desk.reads.events(UNKNOWN_ID)
    with pytest.raises(NotFound):
        await desk.reads.get("H7K2P")
