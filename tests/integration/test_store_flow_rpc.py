"""The running store answers the conversation-flow operations over request/reply
(code.claim with the configured limit, family.get, handoff.*), and records an
operator message that arrives on the ``inbound`` flow instead of dead-lettering it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from concierge_common import settings as settings_module
from concierge_common.bus.rpc import RpcClient
from concierge_common.contracts import store_api as api
from concierge_common.contracts.messages import OperatorMessageSeen
from concierge_common.errors import Conflict, NotFound
from store.codes import hash_code
from store.db import init_connection
from store.service import StoreService
from store.settings import StoreSettings
from support.polling import eventually
from support.stack import delete_namespace

PHONE = "33600000921@c.us"
CONVERSATION = "12" * 16


@pytest.fixture
async def store(env: dict[str, str]) -> AsyncIterator[StoreService]:
    settings = settings_module.load(StoreSettings, {**env, "STORE_CODE_MAX_ATTEMPTS": "2"})
    service = StoreService(settings, health_port=0)
    try:
        await service.start()
        yield service
    finally:
        await service.stop()
        await delete_namespace(env["NATS_URL"], service.runtime.topology)


async def _call(store: StoreService, operation: str, request: Any, result: Any) -> Any:
    client = RpcClient(store.runtime.nc, store.runtime.topology)
    return await client.call(api.SERVICE, operation, request, result)


async def _family_of_code(store: StoreService, code: str) -> str:
    service = await _call(
        store, api.SERVICE_CREATE, api.ServiceWrite(name="CATECHESE"), api.ServiceView
    )
    key = store.settings.intrinsic_id_key
    conn = await _connect(store)
    try:
        await conn.execute(
            "INSERT INTO user_services (service_id, role, intrinsic_id, attributes)"
            " VALUES ($1, 'parent', $2, $3)",
            service.id,
            hash_code(key, service.id, code),
            {"family": "Famille Lefèvre"},
        )
    finally:
        await conn.close()
    return str(service.id)


async def _connect(store: StoreService) -> asyncpg.Connection:
    conn = await asyncpg.connect(store.settings.database_url)
    await init_connection(conn)
    return conn


async def test_claims_and_family_over_request_reply(store: StoreService) -> None:
    await _family_of_code(store, "SM-4821")
    session = await _call(
        store, api.SESSION_OPEN, api.SessionOpen(whatsapp_id=PHONE), api.SessionView
    )

    def claim(code: str) -> api.CodeClaim:
        return api.CodeClaim(user_id=session.user_id, service_name="CATECHESE", code=code)

    wrong = await _call(store, api.CODE_CLAIM, claim("SM-0000"), api.ClaimResult)
    right = await _call(store, api.CODE_CLAIM, claim("sm 4821"), api.ClaimResult)
    family = await _call(
        store,
        api.FAMILY_GET,
        api.FamilyQuery(user_id=session.user_id, service_name="CATECHESE"),
        list[api.FamilyView],
    )

    assert (wrong.status, wrong.attempts_left) == ("rejected", 1)  # STORE_CODE_MAX_ATTEMPTS=2
    assert right.status == "accepted"
    assert [(f.role_id, f.attributes) for f in family] == [
        (right.role_id, {"family": "Famille Lefèvre"})
    ]
    with pytest.raises(NotFound):
        await _call(
            store,
            api.CODE_CLAIM,
            api.CodeClaim(user_id=session.user_id, service_name="NOPE", code="x"),
            api.ClaimResult,
        )


async def test_handoffs_over_request_reply(store: StoreService) -> None:
    session = await _call(
        store, api.SESSION_OPEN, api.SessionOpen(whatsapp_id=PHONE), api.SessionView
    )
    request = api.HandoffOpen(
        conversation_id=CONVERSATION,
        user_id=session.user_id,
        wa_session="default",
        chat_id=PHONE,
        reason="asked for a human",
        requested_by="person",
    )

    opened = await _call(store, api.HANDOFF_OPEN, request, api.HandoffView)
    again = await _call(store, api.HANDOFF_OPEN, request, api.HandoffView)
    handed = await _call(store, api.SESSION_GET, api.ById(id=session.id), api.SessionView)
    found = await _call(
        store, api.HANDOFF_FIND, api.HandoffQuery(reference=opened.reference), api.HandoffView
    )
    listed = await _call(store, api.HANDOFF_LIST, api.HandoffListQuery(), list[api.HandoffView])
    touched = await _call(
        store, api.HANDOFF_TOUCH, api.HandoffTouch(id=opened.id, by="person"), api.HandoffView
    )
    noticed = await _call(store, api.HANDOFF_NOTICE, api.ById(id=opened.id), api.HandoffView)
    with pytest.raises(Conflict):
        await _call(store, api.HANDOFF_NOTICE, api.ById(id=opened.id), api.HandoffView)
    move = api.HandoffMove(id=opened.id, to="returned", actor="person", expected=["requested"])
    returned = await _call(store, api.HANDOFF_MOVE, move, api.HandoffView)
    with pytest.raises(Conflict):
        await _call(store, api.HANDOFF_MOVE, move, api.HandoffView)
    fetched = await _call(store, api.HANDOFF_GET, api.ById(id=opened.id), api.HandoffView)
    events = await _call(
        store, api.HANDOFF_EVENTS, api.ById(id=opened.id), list[api.HandoffEventView]
    )
    after = await _call(
        store, api.SESSION_OPEN, api.SessionOpen(whatsapp_id=PHONE), api.SessionView
    )

    assert (opened.created, again.created, again.id) == (True, False, opened.id)
    assert handed.status == "handoff"
    assert found.id == opened.id
    assert [h.id for h in listed] == [opened.id]
    assert touched.last_person_at is not None
    assert noticed.notice_sent_at is not None
    assert (returned.state, fetched.state) == ("returned", "returned")
    assert [(e.from_state, e.to_state) for e in events] == [
        (None, "requested"),
        ("requested", "returned"),
    ]
    assert (after.status, after.id != session.id) == ("active", True)


async def test_an_operator_message_on_the_inbound_flow_is_recorded(store: StoreService) -> None:
    message = OperatorMessageSeen(
        message_id=uuid.uuid4().hex,
        conversation_id=CONVERSATION,
        correlation_id="evt_operator",
        session="default",
        chat_id=PHONE,
        provider_message_id=f"true_{PHONE}_OPERATOR1",
        text="Je vous rappelle demain.",
    )
    await store.runtime.publisher.publish("inbound", message)
    conn = await _connect(store)
    try:

        async def recorded() -> str | None:
            found = await conn.fetchval("SELECT origin FROM interactions")
            return None if found is None else str(found)

        origin = await eventually(recorded)
    finally:
        await conn.close()
    assert origin == "operator"
