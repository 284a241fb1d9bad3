"""The HTTP API end to end: gateway (JWT) -> request/reply -> the real store -> Postgres/Redis.

A person writes on WhatsApp, staff read and move their session, an admin manages
the organisation's facts, /health sees the five services, and a privacy request
erases the person.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

from gateway.api.auth import mint_token
from support import fixtures
from support.polling import HANG_GUARD, eventually
from support.settling import settled
from support.stack import JWT_SECRET, Stack, running_stack

CHAT = "33600000777@c.us"
AUDIENCE = "concierge-api"


def _auth(*roles: str) -> dict[str, str]:
    token = mint_token(
        JWT_SECRET, subject="staff-1", roles=list(roles), ttl_seconds=300, audience=AUDIENCE
    )
    return {"authorization": f"Bearer {token}"}


async def _session_of_first_message(database_url: str) -> tuple[str, str]:
    conn = await asyncpg.connect(database_url)
    try:

        async def recorded() -> asyncpg.Record | None:
            row: asyncpg.Record | None = await conn.fetchrow(
                "SELECT s.id, s.user_id FROM interactions i JOIN sessions s ON s.id = i.session_id"
                " WHERE i.direction = 'in'"
            )
            return row

        row = await eventually(recorded)
        return str(row["id"]), str(row["user_id"])
    finally:
        await conn.close()


async def _health_when_all_up(stack: Stack) -> httpx.Response:
    """``/health`` once it answers 200, or its last answer when the hang guard ran out."""
    assert stack.http is not None
    deadline = asyncio.get_running_loop().time() + HANG_GUARD
    while True:
        response = await stack.http.get("/health")
        if response.status_code == 200 or asyncio.get_running_loop().time() > deadline:
            return response
        await asyncio.sleep(0.2)


async def test_staff_read_and_move_a_session_that_a_whatsapp_message_opened(
    env: dict[str, str], database_url: str
) -> None:
    async with running_stack(env) as stack:
        assert stack.http is not None
        assert (await stack.post(fixtures.text_message(CHAT, "Bonjour"))).status_code == 200
        session_id, user_id = await _session_of_first_message(database_url)
        # Staff act on the session once the bot has handled the message (its menu state
        # written), not in a race with it.
        await settled(stack)

        read = await stack.http.get(f"/sessions/{session_id}", headers=_auth("agent"))
        assert read.status_code == 200
        assert read.json()["status"] == "active"
        assert read.json()["user_id"] == user_id

        moved = await stack.http.put(
            f"/sessions/{session_id}",
            json={"status": "handoff", "state": {"step": "waiting_staff"}},
            headers=_auth("agent"),
        )
        assert moved.status_code == 200
        again = await stack.http.get(f"/sessions/{session_id}", headers=_auth("agent"))
        assert again.json()["status"] == "handoff"  # no stale cached copy
        assert again.json()["state"] == {"step": "waiting_staff"}

        closed = await stack.http.put(
            f"/sessions/{session_id}", json={"status": "closed"}, headers=_auth("admin")
        )
        assert closed.status_code == 200
        reopen = await stack.http.put(
            f"/sessions/{session_id}", json={"status": "active"}, headers=_auth("agent")
        )
        assert reopen.status_code == 409
        assert reopen.headers["content-type"].startswith("application/problem+json")

        forbidden = await stack.http.get(f"/admin/users/{user_id}", headers=_auth("agent"))
        assert forbidden.status_code == 403
        anonymous = await stack.http.get(f"/sessions/{session_id}")
        assert anonymous.status_code == 401


async def test_admin_manages_time_bounded_facts_through_the_real_store(
    env: dict[str, str],
) -> None:
    admin = _auth("admin")
    async with running_stack(env, only=("store",), seeded=False) as stack:
        http = stack.http
        assert http is not None
        created = await http.post(
            "/admin/services",
            json={"name": "RENSEIGNEMENT", "trigger_keywords": ["messe"], "processing_type": "ai"},
            headers=admin,
        )
        assert created.status_code == 201
        service_id = created.json()["id"]
        assert created.headers["location"].endswith(service_id)
        duplicate = await http.post(
            "/admin/services", json={"name": "RENSEIGNEMENT"}, headers=admin
        )
        assert duplicate.status_code == 409

        now = datetime.now(UTC)
        summer = {
            "title": "Messes d'été",
            "content": "Messe à 10 h le dimanche.",
            "valid_from": (now - timedelta(days=90)).isoformat(),
            "valid_to": (now - timedelta(days=1)).isoformat(),
        }
        current = {"title": "Messes", "content": "Messe à 10 h 30 le dimanche."}
        for body in (summer, current):
            response = await http.post(
                f"/admin/services/{service_id}/infos", json=body, headers=admin
            )
            assert response.status_code == 201
        empty_window = {**current, "valid_from": now.isoformat(), "valid_to": now.isoformat()}
        refused = await http.post(
            f"/admin/services/{service_id}/infos", json=empty_window, headers=admin
        )
        assert refused.status_code == 422

        valid_now = await http.get(
            f"/admin/services/{service_id}/infos",
            params={"valid_at": now.isoformat()},
            headers=admin,
        )
        assert [info["title"] for info in valid_now.json()] == ["Messes"]
        everything = await http.get(f"/admin/services/{service_id}/infos", headers=admin)
        assert sorted(info["title"] for info in everything.json()) == ["Messes", "Messes d'été"]


async def test_health_sees_every_service_and_erasure_forgets_the_person(
    env: dict[str, str], database_url: str
) -> None:
    async with running_stack(env) as stack:
        http = stack.http
        assert http is not None
        public = await _health_when_all_up(stack)
        assert (public.status_code, public.json()) == (200, {"status": "ok"})
        health = await http.get("/health/details", headers=_auth("admin"))
        assert health.status_code == 200, health.json()
        assert health.json()["down"] == []
        for component in (
            "gateway",
            "router",
            "ai",
            "handoff",
            "store",
            "nats",
            "postgres",
            "redis",
        ):
            assert health.json()["components"][component] == "up"

        assert (await stack.post(fixtures.text_message(CHAT, "Bonjour"))).status_code == 200
        session_id, user_id = await _session_of_first_message(database_url)
        await http.get(f"/sessions/{session_id}", headers=_auth("agent"))  # now cached in Redis

        erased = await http.delete(f"/admin/users/{user_id}", headers=_auth("admin"))
        assert erased.status_code == 200
        assert erased.json()["rows"]["interactions"] >= 1

        gone = await http.get(f"/sessions/{session_id}", headers=_auth("agent"))
        assert gone.status_code == 404
        assert (
            await http.get(f"/admin/users/{user_id}", headers=_auth("admin"))
        ).status_code == 404
        conn = await asyncpg.connect(database_url)
        try:
            left = await conn.fetchval(
                "SELECT count(*) FROM user_whatsapp_ids WHERE whatsapp_id = $1", CHAT
            )
        finally:
            await conn.close()
        assert left == 0
