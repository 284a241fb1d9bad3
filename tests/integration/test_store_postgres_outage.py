"""PostgreSQL going away under the store is an outage, never a permanent failure.

The store reaches a real PostgreSQL through a TCP proxy (:mod:`support.tcp_proxy`)
that can refuse new connections and cut the open ones: while it does, the store's
operations (request/reply included) and its bus handler raise ``DatabaseUnavailable``,
which the bus retries for as long as it lasts; once it listens again they work. A
backend killed by ``pg_terminate_backend`` in the middle of a transaction is an outage
too, not a refusal to dead-letter.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import nats
import pytest
from nats.aio.client import Client as NATS

from concierge_common.bus.rpc import RpcClient, RpcServer
from concierge_common.bus.topology import Topology
from concierge_common.contracts import store_api
from concierge_common.contracts.messages import MessageReceived
from concierge_common.errors import DatabaseUnavailable, Outage
from store.session_ops import session_operations
from support.infra import NATS_URL
from support.polling import eventually
from support.store_recording import deliver, recorder_of
from support.store_sessions import SessionStore, session_store
from support.tcp_proxy import TcpProxy, proxied

PERSON = "33600000501@c.us"


@pytest.fixture
async def nc() -> AsyncIterator[NATS]:
    conn = await nats.connect(NATS_URL)
    yield conn
    await conn.close()


@pytest.fixture
async def proxy_and_store(database_url: str) -> AsyncIterator[tuple[TcpProxy, SessionStore]]:
    async with (
        proxied(database_url) as (proxy, url),
        session_store(url) as store,
    ):
        yield proxy, store


def _inbound(text: str) -> MessageReceived:
    return MessageReceived(
        message_id=uuid.uuid4().hex,
        conversation_id="ef" * 16,
        correlation_id="evt_" + uuid.uuid4().hex[:8],
        session="default",
        chat_id=PERSON,
        sender_id=PERSON,
        provider_message_id=f"false_{PERSON}_{uuid.uuid4().hex.upper()}",
        kind="text",
        text=text,
        sent_at=1_700_000_000,
        push_name="Marie",
    )


async def _postgres_goes_away(proxy: TcpProxy) -> None:
    """Closed to new connections, and every open one dropped (a restart, a failover)."""
    await proxy.refuse()
    proxy.cut()


async def test_while_postgres_refuses_connections_the_store_is_unavailable_then_works_again(
    proxy_and_store: tuple[TcpProxy, SessionStore],
) -> None:
    proxy, store = proxy_and_store
    opened = await store.sessions.open(PERSON)

    await _postgres_goes_away(proxy)
    for _ in range(3):  # the dropped pool connections, then connections refused
        with pytest.raises(DatabaseUnavailable):
            await store.sessions.open(PERSON)
    with pytest.raises(DatabaseUnavailable):
        await store.users.get(opened.user_id)

    await proxy.accept()
    again = await store.sessions.open(PERSON)
    assert again.id == opened.id  # the same session, continued: nothing was lost
    assert (await store.users.get(opened.user_id)).id == opened.user_id


async def test_the_recorder_raises_an_outage_while_postgres_is_away_and_records_after(
    proxy_and_store: tuple[TcpProxy, SessionStore],
) -> None:
    proxy, store = proxy_and_store
    recorder = recorder_of(store)
    message = _inbound("Bonjour, à quelle heure est la messe ?")

    await _postgres_goes_away(proxy)
    with pytest.raises(DatabaseUnavailable):
        await deliver(recorder, message)

    await proxy.accept()
    await deliver(recorder, message)  # the bus's next attempt
    rows = await store.pool.fetch("SELECT direction FROM interactions")
    assert [row["direction"] for row in rows] == ["in"]


async def test_a_caller_of_the_store_gets_the_outage_over_request_reply(
    proxy_and_store: tuple[TcpProxy, SessionStore], nc: NATS, namespace: str
) -> None:
    proxy, store = proxy_and_store
    topology = Topology(namespace, 4)
    server = RpcServer(store_api.SERVICE, session_operations(store.sessions, store.interactions))
    await server.start(nc, topology)
    await nc.flush()
    client = RpcClient(nc, topology)
    request = store_api.SessionOpen(whatsapp_id=PERSON)
    try:
        await _postgres_goes_away(proxy)
        with pytest.raises(DatabaseUnavailable) as outage:
            await client.call(
                store_api.SERVICE, store_api.SESSION_OPEN, request, store_api.SessionView
            )
        await proxy.accept()
        view = await client.call(
            store_api.SERVICE, store_api.SESSION_OPEN, request, store_api.SessionView
        )
    finally:
        await server.stop()
    assert isinstance(outage.value, Outage)  # the router's bus retries it without limit
    assert view.status == "active"


async def test_a_backend_terminated_in_the_middle_of_a_transaction_is_an_outage(
    database_url: str,
) -> None:
    async with session_store(database_url) as store:
        opened = await store.sessions.open(PERSON)
        admin = await asyncpg.connect(database_url)
        try:
            # Hold the store's next session.open inside its transaction, on a lock.
            locking = admin.transaction()
            await locking.start()
            await admin.execute("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE")
            waiting = asyncio.create_task(store.sessions.open(PERSON))

            async def waiting_backend() -> int | None:
                pid: int | None = await admin.fetchval(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
                return pid

            pid = await eventually(waiting_backend)
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
            with pytest.raises(DatabaseUnavailable):
                await waiting
            await locking.rollback()
        finally:
            await admin.close()
        again = await store.sessions.open(PERSON)  # on a new connection of the pool
    assert again.id == opened.id
