"""The staff HTTP API's contract: each endpoint's answers and the exact desk request behind them.

The real app (``create_app``) runs against a fake handoff desk answering over the
real NATS (:mod:`support.fake_desk`), so what is asserted here is what crosses
the wire: the HTTP answer and the ``handoff_api`` request the gateway sent.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from concierge_common.contracts import handoff_api as desk
from concierge_common.errors import InvalidRequest
from gateway.api.auth import mint_token
from gateway.settings import DEFAULT_JWT_AUDIENCE
from support.api import api_env, as_role, bearer, running_api
from support.fake_desk import FakeDesk, running_desk
from support.polling import wait_until
from support.stack import JWT_SECRET

PROBLEM = "application/problem+json"
AGENT = as_role("agent")
ADMIN = as_role("admin")
UNKNOWN = str(uuid.uuid4())
SOME = "2f1c7a52-8d1e-4b8e-9a57-4c1d2e3f4a5b"
PHONE = "33612345678@c.us"

READ_ROUTES = [("GET", "/staff/handoffs"), ("GET", f"/staff/handoffs/{SOME}")]
ACTION_ROUTES = [
    ("POST", f"/staff/handoffs/{SOME}/reply"),
    ("POST", f"/staff/handoffs/{SOME}/assign"),
    ("POST", f"/staff/handoffs/{SOME}/return"),
    ("POST", f"/staff/handoffs/{SOME}/close"),
]
ROUTES = READ_ROUTES + ACTION_ROUTES
# action path -> desk operation, for the actions without a body
MOVES = [("assign", desk.DESK_ASSIGN), ("return", desk.DESK_RETURN), ("close", desk.DESK_CLOSE)]


@dataclass
class Staff:
    http: httpx.AsyncClient
    desk: FakeDesk


@pytest.fixture
async def gw(namespace: str) -> AsyncIterator[Staff]:
    env = api_env(namespace)
    async with running_api(env) as api, running_desk(env) as fake:
        yield Staff(api.http, fake)


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert isinstance(body, dict)
    assert body["status"] == status
    return body


def as_subject(subject: str, *roles: str) -> dict[str, str]:
    token = mint_token(
        JWT_SECRET,
        subject=subject,
        roles=list(roles),
        ttl_seconds=3600,
        audience=DEFAULT_JWT_AUDIENCE,
    )
    return bearer(token)


def body_of(method: str, path: str) -> dict[str, str] | None:
    return {"text": "Bonjour"} if path.endswith("/reply") else None


# --- authentication and roles ---------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_every_staff_route_needs_a_bearer_token(gw: Staff, method: str, path: str) -> None:
    response = await gw.http.request(method, path, json=body_of(method, path))
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert gw.desk.received == []


@pytest.mark.parametrize("role", ["member", "parent", "catechist"])
@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_token_without_agent_or_admin_role_is_403(
    gw: Staff, method: str, path: str, role: str
) -> None:
    response = await gw.http.request(
        method, path, json=body_of(method, path), headers=as_role(role)
    )
    assert_problem(response, 403)
    assert gw.desk.received == []


async def test_expired_token_is_401(gw: Staff) -> None:
    token = mint_token(
        JWT_SECRET, subject="x", roles=["agent"], ttl_seconds=-3600, audience=DEFAULT_JWT_AUDIENCE
    )
    response = await gw.http.get("/staff/handoffs", headers=bearer(token))
    assert assert_problem(response, 401)["detail"] == "token expired"


async def test_admin_may_use_the_desk_too(gw: Staff) -> None:
    handoff = gw.desk.add_handoff()
    response = await gw.http.post(f"/staff/handoffs/{handoff.id}/assign", headers=ADMIN)
    assert response.status_code == 200
    assert gw.desk.last(desk.DESK_ASSIGN) == desk.DeskAction(id=handoff.id, staff="tester")


@pytest.mark.parametrize("subject", ["", "  ", "+33 6 12 34 56 78", "33612345678", PHONE, "x@lid"])
@pytest.mark.parametrize(("method", "path"), ACTION_ROUTES)
async def test_action_by_a_token_naming_no_one_or_a_phone_number_is_403(
    gw: Staff, method: str, path: str, subject: str
) -> None:
    headers = as_subject(subject, "agent")
    response = await gw.http.request(method, path, json=body_of(method, path), headers=headers)
    assert "never a phone number" in str(assert_problem(response, 403)["detail"])
    assert subject.strip() == "" or subject not in response.text
    assert gw.desk.received == []


async def test_reads_need_no_staff_name(gw: Staff) -> None:
    response = await gw.http.get("/staff/handoffs", headers=as_subject("", "agent"))
    assert response.status_code == 200


# --- listing and reading ------------------------------------------------------------------


async def test_list_answers_the_open_handoffs_oldest_first(gw: Staff) -> None:
    first = gw.desk.add_handoff("requested", chat_id=PHONE)
    second = gw.desk.add_handoff("active")
    gw.desk.add_handoff("closed")
    response = await gw.http.get("/staff/handoffs", headers=AGENT)
    assert response.status_code == 200
    body = response.json()
    assert [h["id"] for h in body] == [first.id, second.id]
    assert body[0]["chat_id"] == PHONE  # agents need it to call back
    assert body[0]["reference"] == first.reference
    assert body[0]["state"] == "requested"
    assert body[0]["created_at"] == "2026-11-01T09:00:00Z"
    assert "created" not in body[0]
    assert gw.desk.last(desk.DESK_LIST) == desk.DeskQuery()


async def test_list_asks_for_the_given_states(gw: Staff) -> None:
    gw.desk.add_handoff("requested")
    closed = gw.desk.add_handoff("closed")
    response = await gw.http.get(
        "/staff/handoffs", params={"state": ["closed", "returned"], "limit": 5}, headers=AGENT
    )
    assert [h["id"] for h in response.json()] == [closed.id]
    assert gw.desk.last(desk.DESK_LIST) == desk.DeskQuery(states=["closed", "returned"], limit=5)


@pytest.mark.parametrize(
    ("params", "field"),
    [({"state": "sleeping"}, "query.state.0"), ({"limit": 0}, "query.limit")],
)
async def test_invalid_list_query_is_422_without_asking_the_desk(
    gw: Staff, params: dict[str, str | int], field: str
) -> None:
    response = await gw.http.get("/staff/handoffs", params=params, headers=AGENT)
    errors = assert_problem(response, 422)["errors"]
    assert [error["field"] for error in errors] == [field]  # type: ignore[attr-defined]
    assert gw.desk.received == []


async def test_get_answers_the_handoff_and_its_audit_trail(gw: Staff) -> None:
    handoff = gw.desk.add_handoff("requested")
    await gw.http.post(f"/staff/handoffs/{handoff.id}/assign", headers=AGENT)
    response = await gw.http.get(f"/staff/handoffs/{handoff.id}", headers=AGENT)
    assert response.status_code == 200
    body = response.json()
    assert body["handoff"]["id"] == handoff.id
    assert body["handoff"]["state"] == "assigned"
    assert [(e["from_state"], e["to_state"], e["actor"]) for e in body["events"]] == [
        (None, "requested", "person"),
        ("requested", "assigned", "staff:tester"),
    ]
    assert gw.desk.last(desk.DESK_GET) == desk.DeskAction(id=handoff.id)


async def test_unknown_handoff_is_404(gw: Staff) -> None:
    response = await gw.http.get(f"/staff/handoffs/{UNKNOWN}", headers=AGENT)
    assert UNKNOWN in str(assert_problem(response, 404)["detail"])


@pytest.mark.parametrize(("method", "path"), ROUTES[1:])
async def test_malformed_handoff_id_is_422_without_asking_the_desk(
    gw: Staff, method: str, path: str
) -> None:
    malformed = path.replace(SOME, "not-a-uuid")
    response = await gw.http.request(method, malformed, json=body_of(method, path), headers=AGENT)
    errors = assert_problem(response, 422)["errors"]
    assert errors == [{"field": "path.handoff_id", "type": "uuid_parsing"}]
    assert gw.desk.received == []


# --- replying -----------------------------------------------------------------------------


async def test_reply_sends_the_text_as_the_tokens_subject(gw: Staff) -> None:
    handoff = gw.desk.add_handoff("requested")
    response = await gw.http.post(
        f"/staff/handoffs/{handoff.id}/reply",
        json={"text": "  Bonjour, je vous rappelle.  "},
        headers=as_subject("soeur.anne", "agent"),
    )
    assert response.status_code == 200
    assert response.json()["state"] == "active"
    assert response.json()["assigned_to"] == "soeur.anne"
    assert gw.desk.last(desk.DESK_REPLY) == desk.DeskReply(
        id=handoff.id, text="Bonjour, je vous rappelle.", staff="soeur.anne"
    )


async def test_reply_passes_the_idempotency_key_as_request_id(gw: Staff) -> None:
    handoff = gw.desk.add_handoff("active")
    response = await gw.http.post(
        f"/staff/handoffs/{handoff.id}/reply",
        json={"text": "Oui"},
        headers={**AGENT, "Idempotency-Key": "7b0c2f4e-reply-1"},
    )
    assert response.status_code == 200
    assert gw.desk.last(desk.DESK_REPLY) == desk.DeskReply(
        id=handoff.id, text="Oui", staff="tester", request_id="7b0c2f4e-reply-1"
    )


@pytest.mark.parametrize(
    ("body", "field", "kind"),
    [
        ({"text": ""}, "body.text", "string_too_short"),
        ({"text": "   "}, "body.text", "string_too_short"),
        ({}, "body.text", "missing"),
        ({"text": "x" * 4097}, "body.text", "string_too_long"),
        ({"text": "Bonjour", "phone": "secret-value"}, "body.phone", "extra_forbidden"),
    ],
)
async def test_invalid_reply_is_422_naming_the_field_without_asking_the_desk(
    gw: Staff, body: dict[str, object], field: str, kind: str
) -> None:
    response = await gw.http.post(f"/staff/handoffs/{SOME}/reply", json=body, headers=AGENT)
    assert assert_problem(response, 422)["errors"] == [{"field": field, "type": kind}]
    assert "secret-value" not in response.text
    assert gw.desk.received == []


async def test_idempotency_key_too_long_is_422(gw: Staff) -> None:
    response = await gw.http.post(
        f"/staff/handoffs/{SOME}/reply",
        json={"text": "Oui"},
        headers={**AGENT, "Idempotency-Key": "k" * 201},
    )
    errors = assert_problem(response, 422)["errors"]
    assert [error["field"] for error in errors] == ["header.Idempotency-Key"]  # type: ignore[attr-defined]
    assert gw.desk.received == []


async def test_reply_to_a_handoff_returned_to_the_bot_is_409(gw: Staff) -> None:
    handoff = gw.desk.add_handoff("returned")
    response = await gw.http.post(
        f"/staff/handoffs/{handoff.id}/reply", json={"text": "Trop tard ?"}, headers=AGENT
    )
    assert "returned" in str(assert_problem(response, 409)["detail"])


async def test_reply_to_an_unknown_handoff_is_404(gw: Staff) -> None:
    response = await gw.http.post(
        f"/staff/handoffs/{UNKNOWN}/reply", json={"text": "Oui"}, headers=AGENT
    )
    assert_problem(response, 404)


async def test_desk_refusing_a_reply_keeps_its_status(gw: Staff) -> None:
    handoff = gw.desk.add_handoff("active")
    gw.desk.broken[desk.DESK_REPLY] = InvalidRequest("the person's chat is gone", status=422)
    response = await gw.http.post(
        f"/staff/handoffs/{handoff.id}/reply", json={"text": "Oui"}, headers=AGENT
    )
    assert assert_problem(response, 422)["detail"] == "the person's chat is gone"


async def test_reply_logs_neither_the_text_nor_the_persons_number(
    gw: Staff, caplog: pytest.LogCaptureFixture
) -> None:
    handoff = gw.desk.add_handoff("requested", chat_id=PHONE)
    caplog.set_level(logging.DEBUG)
    response = await gw.http.post(
        f"/staff/handoffs/{handoff.id}/reply", json={"text": "Texte-privé"}, headers=AGENT
    )
    assert response.status_code == 200
    assert handoff.id in caplog.text
    assert "Texte-privé" not in caplog.text
    assert PHONE.split("@")[0] not in caplog.text


# --- assign, return, close ----------------------------------------------------------------


async def test_assign_gives_the_handoff_to_the_tokens_subject(gw: Staff) -> None:
    handoff = gw.desk.add_handoff("requested")
    response = await gw.http.post(
        f"/staff/handoffs/{handoff.id}/assign", headers=as_subject("pere.jean", "agent")
    )
    assert response.status_code == 200
    assert response.json()["state"] == "assigned"
    assert response.json()["assigned_to"] == "pere.jean"
    assert gw.desk.last(desk.DESK_ASSIGN) == desk.DeskAction(id=handoff.id, staff="pere.jean")


async def test_return_gives_the_conversation_back_to_the_bot(gw: Staff) -> None:
    handoff = gw.desk.add_handoff("active")
    response = await gw.http.post(f"/staff/handoffs/{handoff.id}/return", headers=AGENT)
    assert response.status_code == 200
    assert response.json()["state"] == "returned"
    assert response.json()["ended_at"] == "2026-11-01T09:00:00Z"
    assert gw.desk.last(desk.DESK_RETURN) == desk.DeskAction(id=handoff.id, staff="tester")


async def test_close_ends_the_handoff_and_closing_again_is_409(gw: Staff) -> None:
    handoff = gw.desk.add_handoff("assigned")
    response = await gw.http.post(f"/staff/handoffs/{handoff.id}/close", headers=AGENT)
    assert response.status_code == 200
    assert response.json()["state"] == "closed"
    assert gw.desk.last(desk.DESK_CLOSE) == desk.DeskAction(id=handoff.id, staff="tester")
    again = await gw.http.post(f"/staff/handoffs/{handoff.id}/close", headers=AGENT)
    assert "closed -> closed" in str(assert_problem(again, 409)["detail"])


async def test_assigning_an_active_handoff_is_409(gw: Staff) -> None:
    handoff = gw.desk.add_handoff("active")
    response = await gw.http.post(f"/staff/handoffs/{handoff.id}/assign", headers=AGENT)
    assert_problem(response, 409)


@pytest.mark.parametrize(("action", "operation"), MOVES)
async def test_action_on_an_unknown_handoff_is_404(gw: Staff, action: str, operation: str) -> None:
    response = await gw.http.post(f"/staff/handoffs/{UNKNOWN}/{action}", headers=AGENT)
    assert_problem(response, 404)
    assert gw.desk.last(operation) == desk.DeskAction(id=UNKNOWN, staff="tester")


# --- the desk unavailable -----------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_no_desk_is_503_with_retry_after(namespace: str, method: str, path: str) -> None:
    async with running_api(api_env(namespace)) as api:
        response = await api.http.request(method, path, json=body_of(method, path), headers=AGENT)
    assert_problem(response, 503)
    assert response.headers["retry-after"] == "2"


async def test_desk_that_does_not_answer_in_time_is_503(namespace: str) -> None:
    env = api_env(namespace, GATEWAY_DESK_TIMEOUT_SECONDS="0.2")
    async with running_api(env) as api, running_desk(env) as fake:
        fake.stalled.add(desk.DESK_LIST)
        response = await api.http.get("/staff/handoffs", headers=AGENT)
        # The request was published before the gateway gave up; on a loaded machine
        # the stalled desk may take it only after the 503.
        await wait_until(lambda: bool(fake.received))
    assert_problem(response, 503)
    assert fake.received == [(desk.DESK_LIST, desk.DeskQuery())]
