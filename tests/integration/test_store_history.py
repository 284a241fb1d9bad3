"""The running store answers ``interaction.list``: a session's last texts, oldest first
(ai's conversation history for Claude)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from concierge_common import settings as settings_module
from concierge_common.bus.rpc import RpcClient
from concierge_common.contracts import store_api as api
from concierge_common.errors import InvalidRequest
from store.service import StoreService
from store.settings import StoreSettings
from support.stack import delete_namespace

PHONE = "33600000931@c.us"
OTHER_PHONE = "33600000932@c.us"
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
async def store(env: dict[str, str]) -> AsyncIterator[StoreService]:
    settings = settings_module.load(StoreSettings, env)
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


async def _session(store: StoreService, phone: str) -> str:
    view = await _call(store, api.SESSION_OPEN, api.SessionOpen(whatsapp_id=phone), api.SessionView)
    return str(view.id)


async def _insert(
    store: StoreService,
    session_id: str,
    rows: list[tuple[str, str, str, str, datetime]],
) -> None:
    """Store (direction, message_type, content, origin, occurred_at) rows, in this order."""
    conn = await asyncpg.connect(store.settings.database_url)
    try:
        for direction, kind, content, origin, at in rows:
            await conn.execute(
                "INSERT INTO interactions (session_id, direction, message_type, content,"
                " provider_message_id, origin, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                session_id,
                direction,
                kind,
                content,
                uuid.uuid4().hex,
                origin,
                at,
            )
    finally:
        await conn.close()


async def _history(store: StoreService, session_id: str, limit: int) -> list[api.InteractionView]:
    query = api.InteractionQuery(session_id=session_id, limit=limit)
    result: list[api.InteractionView] = await _call(
        store, api.INTERACTION_LIST, query, list[api.InteractionView]
    )
    return result


async def test_the_last_texts_of_the_session_come_oldest_first(store: StoreService) -> None:
    session = await _session(store, PHONE)
    other = await _session(store, OTHER_PHONE)
    minute = timedelta(minutes=1)
    await _insert(
        store,
        session,
        [
            ("in", "text", "Bonjour", "", T0),
            ("out", "text", "Bonjour, que puis-je pour vous ?", "ai", T0 + minute),
            ("in", "text", "Horaires des messes ?", "", T0 + 2 * minute),
            ("in", "image", "", "", T0 + 3 * minute),  # no text: not history
            ("out", "text", "Le dimanche à 10 h 30.", "ai", T0 + 4 * minute),
            ("out", "text", "Je prends le relais.", "staff", T0 + 5 * minute),
        ],
    )
    await _insert(store, other, [("in", "text", "Autre personne", "", T0 + 6 * minute)])

    history = await _history(store, session, 3)

    assert [(h.direction, h.text, h.origin) for h in history] == [
        ("in", "Horaires des messes ?", ""),
        ("out", "Le dimanche à 10 h 30.", "ai"),
        ("out", "Je prends le relais.", "staff"),
    ]
    assert history[0].created_at == T0 + 2 * minute


async def test_messages_of_the_same_second_keep_the_order_they_were_stored_in(
    store: StoreService,
) -> None:
    session = await _session(store, PHONE)
    await _insert(
        store,
        session,
        [("in", "text", "Une question", "", T0), ("out", "text", "Une réponse", "ai", T0)],
    )

    history = await _history(store, session, 10)

    assert [h.text for h in history] == ["Une question", "Une réponse"]


async def test_an_unknown_session_has_no_history(store: StoreService) -> None:
    assert await _history(store, str(uuid.uuid4()), 10) == []


@pytest.mark.parametrize("limit", [0, 201])
async def test_a_limit_out_of_bounds_is_refused(store: StoreService, limit: int) -> None:
    session = await _session(store, PHONE)
    with pytest.raises(InvalidRequest):
        await _history(store, session, limit)


async def test_a_session_id_that_is_not_a_uuid_is_refused(store: StoreService) -> None:
    with pytest.raises(InvalidRequest):
        await _history(store, "not-a-uuid", 10)


async def _attach(store: StoreService, session_id: str, text: str, file: tuple[str, str]) -> str:
    """Link a media row (``file``: name, mime type) to the session's message ``text``;
    its storage key."""
    name, mime_type = file
    key = f"in/2026/11/{uuid.uuid4().hex}{uuid.uuid4().hex}.bin"
    conn = await asyncpg.connect(store.settings.database_url)
    try:
        media = await conn.fetchval(
            "INSERT INTO media (filename, file_path, mime_type, size, sha256)"
            " VALUES ($1, $2, $3, 1234, $4) RETURNING id",
            name,
            key,
            mime_type,
            "a" * 64,
        )
        await conn.execute(
            "UPDATE interactions SET media_id = $1 WHERE session_id = $2 AND content = $3",
            media,
            uuid.UUID(session_id),
            text,
        )
    finally:
        await conn.close()
    return key


async def test_with_files_the_messages_that_carry_one_come_with_it(store: StoreService) -> None:
    """The staff console's transcript; ai's history (without ``files``) stays texts only."""
    session = await _session(store, PHONE)
    minute = timedelta(minutes=1)
    await _insert(
        store,
        session,
        [
            ("in", "image", "", "", T0),
            ("out", "text", "Voici le calendrier.", "ai", T0 + minute),
            ("in", "text", "Merci", "", T0 + 2 * minute),
        ],
    )
    photo = await _attach(store, session, "", ("photo.jpg", "image/jpeg"))
    calendar = await _attach(store, session, "Voici le calendrier.", ("kt.ics", "text/calendar"))

    query = api.InteractionQuery(session_id=session, limit=10, files=True)
    listed = await _call(store, api.INTERACTION_LIST, query, list[api.InteractionView])
    history = await _history(store, session, 10)

    files = [(m.text, m.file and (m.file.kind, m.file.filename, m.file.size)) for m in listed]
    assert files == [
        ("", ("image", "photo.jpg", 1234)),
        ("Voici le calendrier.", ("document", "kt.ics", 1234)),
        ("Merci", None),
    ]
    assert [m.file.storage_key for m in listed if m.file] == [photo, calendar]
    assert [m.text for m in history] == ["Voici le calendrier.", "Merci"]
