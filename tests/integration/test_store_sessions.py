"""Session lifecycle: open or continue, expiry on access, one open session per person,
legal and illegal transitions, and the same rules over request/reply."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Literal

import nats
import pytest

from concierge_common.bus.rpc import RpcClient, RpcServer
from concierge_common.bus.topology import Topology
from concierge_common.contracts.store_api import (
    SERVICE,
    SESSION_GET,
    SESSION_OPEN,
    SESSION_UPDATE,
    ById,
    RoleGrant,
    SessionOpen,
    SessionStatus,
    SessionUpdate,
    SessionView,
)
from concierge_common.errors import Conflict, NotFound
from store.interactions import Interaction
from store.session_ops import session_operations
from support.infra import NATS_URL
from support.store_sessions import SessionStore, session_store

PERSON = "33600000101@c.us"


async def test_first_open_creates_a_session_and_the_next_continues_it(
    store: SessionStore,
) -> None:
    first = await store.sessions.open(PERSON, "Marie")
    again = await store.sessions.open(PERSON)
    assert first.created is True
    assert first.status == "active"
    assert again.created is False
    assert again.id == first.id
    assert again.last_activity_at >= first.last_activity_at
    assert again.expires_at >= first.expires_at
    assert await store.pool.fetchval("SELECT count(*) FROM sessions") == 1


async def test_open_pushes_the_expiry_forward_by_the_inactivity_timeout(
    database_url: str,
) -> None:
    async with session_store(database_url, ttl_seconds=600) as store:
        view = await store.sessions.open(PERSON)
        assert (view.expires_at - view.last_activity_at).total_seconds() == 600


async def test_open_after_the_expiry_replaces_the_stale_session(store: SessionStore) -> None:
    stale = await store.sessions.open(PERSON)
    await store.make_stale(stale.id)
    fresh = await store.sessions.open(PERSON)
    assert fresh.created is True
    assert fresh.id != stale.id
    old = await store.row(stale.id)
    assert old["status"] == "expired"
    assert old["ended_at"] is not None
    assert (await store.sessions.get(stale.id)).status == "expired"


async def test_a_session_in_handoff_is_continued_even_past_its_expiry(
    store: SessionStore,
) -> None:
    session = await store.sessions.open(PERSON)
    await store.sessions.update(SessionUpdate(id=session.id, status="handoff"))
    await store.make_stale(session.id)
    again = await store.sessions.open(PERSON)
    assert again.id == session.id
    assert again.status == "handoff"


async def test_concurrent_opens_for_a_new_person_give_one_session(store: SessionStore) -> None:
    views = await asyncio.gather(*(store.sessions.open("33600000102@c.us") for _ in range(10)))
    assert len({view.id for view in views}) == 1
    assert sum(view.created for view in views) == 1
    assert await store.pool.fetchval("SELECT count(*) FROM sessions") == 1
    assert await store.pool.fetchval("SELECT count(*) FROM users") == 1


async def test_legal_transitions_are_applied_and_closing_ends_the_session(
    store: SessionStore,
) -> None:
    session = await store.sessions.open(PERSON)
    for status in ("awaiting_input", "active", "handoff", "active", "closed"):
        view = await store.sessions.update(SessionUpdate(id=session.id, status=status))
        assert view.status == status
    row = await store.row(session.id)
    assert row["status"] == "closed"
    assert row["ended_at"] is not None
    assert (await store.sessions.open(PERSON)).id != session.id


async def test_an_update_without_status_keeps_it_and_replaces_only_what_is_given(
    store: SessionStore,
) -> None:
    session = await store.sessions.open(PERSON)
    await store.sessions.update(
        SessionUpdate(id=session.id, state={"step": 1}, metadata={"lang": "fr"})
    )
    view = await store.sessions.update(SessionUpdate(id=session.id, state={"step": 2}))
    assert view.status == "active"
    assert view.state == {"step": 2}
    assert view.metadata == {"lang": "fr"}
    assert view.last_activity_at > session.last_activity_at
    assert view.expires_at > session.expires_at


async def test_open_returns_the_persons_roles_created_or_continued(store: SessionStore) -> None:
    first = await store.sessions.open(PERSON)
    service_id = await store.pool.fetchval(
        "INSERT INTO services (name) VALUES ('CATECHESE') RETURNING id::text"
    )
    await store.pool.execute(
        "INSERT INTO user_services (user_id, service_id, role) VALUES ($1, $2, 'parent')",
        first.user_id,
        service_id,
    )
    continued = await store.sessions.open(PERSON)
    await store.sessions.update(SessionUpdate(id=first.id, status="closed"))
    created = await store.sessions.open(PERSON)
    assert first.roles == []
    assert continued.roles == [RoleGrant(service_id=service_id, role="parent")]
    assert (created.created, created.roles) == (True, continued.roles)
    assert (await store.sessions.get(first.id)).roles is None  # session.open's only


async def test_a_get_reads_what_was_last_written_and_never_says_created(
    store: SessionStore,
) -> None:
    opened = await store.sessions.open(PERSON)
    before = await store.sessions.get(opened.id)
    await store.sessions.update(SessionUpdate(id=opened.id, state={"step": "age"}))
    # Changed behind the store's back too: a read shows Postgres, never an older copy.
    await store.pool.execute("UPDATE sessions SET metadata = '{\"x\": 1}' WHERE id = $1", opened.id)
    after = await store.sessions.get(opened.id)
    assert opened.created is True
    assert (before.created, before.state) == (False, {})
    assert (after.state, after.metadata) == ({"step": "age"}, {"x": 1})


async def test_an_illegal_transition_is_refused_with_conflict(store: SessionStore) -> None:
    session = await store.sessions.open(PERSON)
    await store.sessions.update(SessionUpdate(id=session.id, status="handoff"))
    with pytest.raises(Conflict) as refused:
        await store.sessions.update(SessionUpdate(id=session.id, status="awaiting_input"))
    assert refused.value.status == 409
    assert (await store.row(session.id))["status"] == "handoff"


@pytest.mark.parametrize("terminal", ["closed", "expired"])
async def test_a_terminal_session_can_no_longer_change(
    store: SessionStore, terminal: SessionStatus
) -> None:
    session = await store.sessions.open(PERSON)
    await store.sessions.update(SessionUpdate(id=session.id, status=terminal))
    with pytest.raises(Conflict):
        await store.sessions.update(SessionUpdate(id=session.id, status="active"))
    with pytest.raises(Conflict):
        await store.sessions.update(SessionUpdate(id=session.id, state={"late": True}))
    row = await store.row(session.id)
    assert row["status"] == terminal
    assert row["state"] == {}


async def test_an_update_of_a_session_past_its_expiry_expires_it_and_is_refused(
    store: SessionStore,
) -> None:
    session = await store.sessions.open(PERSON)
    await store.make_stale(session.id)
    with pytest.raises(Conflict, match="expired"):
        await store.sessions.update(SessionUpdate(id=session.id, status="awaiting_input"))
    assert (await store.row(session.id))["status"] == "expired"


@pytest.mark.parametrize(
    "session_id",
    ["3f2b8c1e-0d4a-4e5b-9c6d-7e8f9a0b1c2d", "not-a-uuid"],
    ids=["unknown-uuid", "not-a-uuid"],
)
async def test_an_unknown_session_is_not_found(store: SessionStore, session_id: str) -> None:
    with pytest.raises(NotFound):
        await store.sessions.get(session_id)
    with pytest.raises(NotFound):
        await store.sessions.update(SessionUpdate(id=session_id, status="closed"))


async def test_session_operations_answer_over_request_reply_with_their_errors(
    store: SessionStore, namespace: str
) -> None:
    nc = await nats.connect(NATS_URL)
    topology = Topology(namespace, 1)
    server = RpcServer(SERVICE, session_operations(store.sessions, store.interactions))
    await server.start(nc, topology)
    await nc.flush()
    try:
        client = RpcClient(nc, topology)
        opened = await client.call(
            SERVICE, SESSION_OPEN, SessionOpen(whatsapp_id=PERSON), SessionView
        )
        fetched = await client.call(SERVICE, SESSION_GET, ById(id=opened.id), SessionView)
        update = SessionUpdate(id=opened.id, status="awaiting_input", state={"step": "age"})
        updated = await client.call(SERVICE, SESSION_UPDATE, update, SessionView)
        assert opened.created is True
        assert fetched.id == opened.id
        assert updated.status == "awaiting_input"
        assert updated.state == {"step": "age"}
        handoff = SessionUpdate(id=opened.id, status="handoff")
        await client.call(SERVICE, SESSION_UPDATE, handoff, SessionView)
        illegal = SessionUpdate(id=opened.id, status="awaiting_input")
        with pytest.raises(Conflict):
            await client.call(SERVICE, SESSION_UPDATE, illegal, SessionView)
        with pytest.raises(NotFound):
            await client.call(SERVICE, SESSION_GET, ById(id=str(uuid.uuid4())), SessionView)
    finally:
        await server.stop()
        await nc.close()


def _said(direction: Literal["in", "out"], text: str, n: int) -> Interaction:
    return Interaction(
        whatsapp_id=PERSON,
        push_name="",
        direction=direction,
        message_type="text",
        content=text,
        provider_message_id=f"history-{n}",
        correlation_id="c",
        origin="person" if direction == "in" else "ai",
        occurred_at=datetime(2026, 12, 4, 10, 0, n, tzinfo=UTC),
    )


async def test_session_open_returns_the_last_messages_when_asked_and_none_when_it_creates(
    store: SessionStore,
) -> None:
    operations = {op.name: op for op in session_operations(store.sessions, store.interactions)}
    open_ = operations[SESSION_OPEN].handler
    created = await open_(SessionOpen(whatsapp_id=PERSON, history=5))
    assert created.created is True
    assert created.recent == []
    said: list[tuple[Literal["in", "out"], str]] = [
        ("in", "Bonjour"),
        ("out", "Bonjour !"),
        ("in", "Messe ?"),
        ("out", "Dimanche 10h"),
    ]
    for n, (direction, text) in enumerate(said):
        await store.interactions.record(_said(direction, text, n))
    continued = await open_(SessionOpen(whatsapp_id=PERSON, history=3))
    not_asked = await open_(SessionOpen(whatsapp_id=PERSON))
    assert continued.created is False
    assert [(m.direction, m.text) for m in continued.recent or []] == said[1:]
    assert not_asked.recent is None
