"""The HTTP API's contract: each endpoint's answers and the exact store request behind them.

The real app (``create_app``) runs against a fake store answering over the real
NATS (:mod:`support.fake_store`), so what is asserted here is what crosses the
wire: the HTTP answer and the ``store_api`` request the gateway sent.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import msgspec
import pytest

from concierge_common.contracts import store_api as api
from support.api import Api, api_env, as_role, bearer, running_api, token

PROBLEM = "application/problem+json"
ADMIN = as_role("admin")
AGENT = as_role("agent")
UNKNOWN = str(uuid.uuid4())
SOME = "2f1c7a52-8d1e-4b8e-9a57-4c1d2e3f4a5b"

# Every API route, with a well-formed id: each must refuse a request without a token.
SESSION_ROUTES = [("GET", f"/sessions/{SOME}"), ("PUT", f"/sessions/{SOME}")]
ADMIN_ROUTES = [
    ("GET", "/admin/services"),
    ("POST", "/admin/services"),
    ("GET", f"/admin/services/{SOME}"),
    ("PATCH", f"/admin/services/{SOME}"),
    ("DELETE", f"/admin/services/{SOME}"),
    ("GET", f"/admin/services/{SOME}/contexts"),
    ("POST", f"/admin/services/{SOME}/contexts"),
    ("GET", f"/admin/contexts/{SOME}"),
    ("DELETE", f"/admin/contexts/{SOME}"),
    ("GET", f"/admin/services/{SOME}/infos"),
    ("POST", f"/admin/services/{SOME}/infos"),
    ("GET", f"/admin/infos/{SOME}"),
    ("PATCH", f"/admin/infos/{SOME}"),
    ("DELETE", f"/admin/infos/{SOME}"),
    ("GET", f"/admin/users/{SOME}"),
    ("DELETE", f"/admin/users/{SOME}"),
    ("GET", f"/admin/users/{SOME}/roles"),
    ("POST", f"/admin/users/{SOME}/roles"),
    ("DELETE", f"/admin/roles/{SOME}"),
    ("GET", f"/admin/services/{SOME}/families"),
    ("POST", f"/admin/services/{SOME}/families"),
    ("GET", f"/admin/families/{SOME}"),
    ("PATCH", f"/admin/families/{SOME}"),
    ("DELETE", f"/admin/families/{SOME}"),
    ("POST", f"/admin/families/{SOME}/code"),
    ("DELETE", f"/admin/families/{SOME}/code"),
]


@pytest.fixture
async def gw(namespace: str) -> AsyncIterator[Api]:
    async with running_api(api_env(namespace)) as running:
        yield running


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert isinstance(body, dict)
    return body


# --- authentication and roles ---------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), SESSION_ROUTES + ADMIN_ROUTES)
async def test_every_api_route_needs_a_bearer_token(gw: Api, method: str, path: str) -> None:
    response = await gw.http.request(method, path, json={})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert gw.store.received == []


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
async def test_agent_token_is_forbidden_on_admin_routes(gw: Api, method: str, path: str) -> None:
    response = await gw.http.request(method, path, json={}, headers=AGENT)
    assert_problem(response, 403)
    assert gw.store.received == []


async def test_token_signed_with_another_secret_is_401(gw: Api) -> None:
    forged = token("admin", secret="another-secret-of-at-least-32-bytes!")
    response = await gw.http.get("/admin/services", headers=bearer(forged))
    assert assert_problem(response, 401)["detail"] == "invalid token"
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert gw.store.received == []


async def test_expired_token_is_401(gw: Api) -> None:
    expired = token("admin", ttl=-3600)
    response = await gw.http.get("/admin/services", headers=bearer(expired))
    assert assert_problem(response, 401)["detail"] == "token expired"
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_token_for_another_audience_is_401(gw: Api) -> None:
    response = await gw.http.get("/admin/services", headers=bearer(token("admin", audience="x")))
    assert_problem(response, 401)


async def test_token_that_is_not_a_jwt_is_401(gw: Api) -> None:
    response = await gw.http.get("/admin/services", headers=bearer("not-a-jwt"))
    assert_problem(response, 401)


async def test_token_without_any_known_role_is_403(gw: Api) -> None:
    response = await gw.http.get(f"/sessions/{SOME}", headers=as_role("catechist"))
    assert_problem(response, 403)


async def test_admin_may_read_sessions_too(gw: Api) -> None:
    session = gw.store.add_session(gw.store.add_user().id)
    response = await gw.http.get(f"/sessions/{session.id}", headers=ADMIN)
    assert response.status_code == 200


# --- sessions -----------------------------------------------------------------------------


async def test_get_session_answers_the_store_view(gw: Api) -> None:
    session = gw.store.add_session(gw.store.add_user().id)
    response = await gw.http.get(f"/sessions/{session.id}", headers=AGENT)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == session.id
    assert body["status"] == "active"
    assert body["expires_at"] == "2026-11-01T10:00:00Z"
    assert "created" not in body
    assert gw.store.last(api.SESSION_GET) == api.ById(id=session.id)


async def test_unknown_session_is_404(gw: Api) -> None:
    response = await gw.http.get(f"/sessions/{UNKNOWN}", headers=AGENT)
    assert UNKNOWN in str(assert_problem(response, 404)["detail"])


async def test_malformed_session_id_is_422_without_asking_the_store(gw: Api) -> None:
    response = await gw.http.get("/sessions/not-a-uuid", headers=AGENT)
    body = assert_problem(response, 422)
    assert body["errors"] == [{"field": "path.session_id", "type": "uuid_parsing"}]
    assert "not-a-uuid" not in response.text
    assert gw.store.received == []


async def test_put_session_sends_only_the_given_fields(gw: Api) -> None:
    store = gw.store
    session = store.add_session(store.add_user().id)
    service = store.add_service()
    body = {"status": "handoff", "service_id": service.id, "metadata": {"agent": "Paul"}}
    response = await gw.http.put(f"/sessions/{session.id}", json=body, headers=AGENT)
    assert response.status_code == 200
    assert response.json()["status"] == "handoff"
    assert response.json()["metadata"] == {"agent": "Paul"}
    assert store.last(api.SESSION_UPDATE) == api.SessionUpdate(
        id=session.id, status="handoff", service_id=service.id, metadata={"agent": "Paul"}
    )


async def test_illegal_session_transition_is_409(gw: Api) -> None:
    session = gw.store.add_session(gw.store.add_user().id, status="closed")
    response = await gw.http.put(
        f"/sessions/{session.id}", json={"status": "active"}, headers=AGENT
    )
    assert "closed -> active" in str(assert_problem(response, 409)["detail"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "sleeping-secret-value"}, "body.status"),
        ({"status": None}, "body.status"),
        ({"state": ["secret-value"]}, "body.state"),
        ({"service_id": "secret-value"}, "body.service_id"),
        ({"phone": "secret-value"}, "body.phone"),
    ],
)
async def test_invalid_session_update_is_422_naming_the_field_not_the_value(
    gw: Api, body: dict[str, object], field: str
) -> None:
    response = await gw.http.put(f"/sessions/{SOME}", json=body, headers=AGENT)
    problem = assert_problem(response, 422)
    assert [error["field"] for error in problem["errors"]] == [field]  # type: ignore[attr-defined]
    assert field in str(problem["detail"])
    assert "secret-value" not in response.text
    assert gw.store.received == []


async def test_body_that_is_not_json_is_422(gw: Api) -> None:
    response = await gw.http.put(
        f"/sessions/{SOME}",
        content=b"{not json",
        headers={**AGENT, "content-type": "application/json"},
    )
    assert_problem(response, 422)


# --- services -----------------------------------------------------------------------------


async def test_create_service_is_201_with_its_location(gw: Api) -> None:
    body = {"name": "CATECHESE", "trigger_keywords": ["caté"], "required_role": "parent"}
    response = await gw.http.post("/admin/services", json=body, headers=ADMIN)
    assert response.status_code == 201
    created = response.json()
    assert response.headers["location"] == f"/admin/services/{created['id']}"
    assert created["processing_type"] == "ai"
    assert gw.store.last(api.SERVICE_CREATE) == api.ServiceWrite(
        name="CATECHESE", trigger_keywords=["caté"], required_role="parent"
    )


async def test_duplicate_service_name_is_409(gw: Api) -> None:
    gw.store.add_service("CATECHESE")
    response = await gw.http.post("/admin/services", json={"name": "CATECHESE"}, headers=ADMIN)
    assert_problem(response, 409)


async def test_service_without_a_name_is_422(gw: Api) -> None:
    response = await gw.http.post("/admin/services", json={"description": "x"}, headers=ADMIN)
    assert assert_problem(response, 422)["errors"] == [{"field": "body.name", "type": "missing"}]


async def test_list_services_includes_inactive_ones_unless_told(gw: Api) -> None:
    gw.store.add_service()
    response = await gw.http.get("/admin/services", headers=ADMIN)
    assert [s["name"] for s in response.json()] == ["RENSEIGNEMENT"]
    assert gw.store.last(api.SERVICE_LIST) == api.ListQuery(include_inactive=True)
    await gw.http.get("/admin/services?include_inactive=false", headers=ADMIN)
    assert gw.store.last(api.SERVICE_LIST) == api.ListQuery(include_inactive=False)


async def test_get_service_answers_it_and_an_unknown_one_is_404(gw: Api) -> None:
    service = gw.store.add_service()
    response = await gw.http.get(f"/admin/services/{service.id}", headers=ADMIN)
    assert response.json()["name"] == "RENSEIGNEMENT"
    assert_problem(await gw.http.get(f"/admin/services/{UNKNOWN}", headers=ADMIN), 404)


async def test_patch_service_with_null_role_clears_it(gw: Api) -> None:
    service = gw.store.add_service()
    body = {"description": "Renseignements", "required_role": None}
    response = await gw.http.patch(f"/admin/services/{service.id}", json=body, headers=ADMIN)
    assert response.status_code == 200
    assert response.json()["description"] == "Renseignements"
    assert gw.store.last(api.SERVICE_UPDATE) == api.ServiceUpdate(
        id=service.id, description="Renseignements", clear_required_role=True
    )


async def test_patch_service_refuses_null_for_a_required_field(gw: Api) -> None:
    service = gw.store.add_service()
    response = await gw.http.patch(
        f"/admin/services/{service.id}", json={"name": None}, headers=ADMIN
    )
    assert assert_problem(response, 422)["errors"] == [
        {"field": "body.name", "type": "value_error"}
    ]


async def test_delete_service_is_204_then_404(gw: Api) -> None:
    service = gw.store.add_service()
    response = await gw.http.delete(f"/admin/services/{service.id}", headers=ADMIN)
    assert response.status_code == 204
    assert response.content == b""
    assert gw.store.last(api.SERVICE_DELETE) == api.ById(id=service.id)
    again = await gw.http.delete(f"/admin/services/{service.id}", headers=ADMIN)
    assert_problem(again, 404)


# --- contexts -----------------------------------------------------------------------------


async def test_contexts_are_created_listed_read_and_deleted(gw: Api) -> None:
    service = gw.store.add_service()
    body = {"system_prompt": "Tu es le concierge.", "prompts": {"greeting": "Bonjour"}}
    created = await gw.http.post(f"/admin/services/{service.id}/contexts", json=body, headers=ADMIN)
    assert created.status_code == 201
    context_id = created.json()["id"]
    assert created.headers["location"] == f"/admin/contexts/{context_id}"
    assert created.json()["version"] == 1
    assert gw.store.last(api.CONTEXT_CREATE) == api.ContextWrite(
        service_id=service.id, system_prompt="Tu es le concierge.", prompts={"greeting": "Bonjour"}
    )
    listed = await gw.http.get(f"/admin/services/{service.id}/contexts", headers=ADMIN)
    assert [c["id"] for c in listed.json()] == [context_id]
    assert gw.store.last(api.CONTEXT_LIST) == api.ListQuery(service_id=service.id)
    read = await gw.http.get(f"/admin/contexts/{context_id}", headers=ADMIN)
    assert read.json()["system_prompt"] == "Tu es le concierge."
    deleted = await gw.http.delete(f"/admin/contexts/{context_id}", headers=ADMIN)
    assert deleted.status_code == 204
    assert_problem(await gw.http.get(f"/admin/contexts/{context_id}", headers=ADMIN), 404)


async def test_context_of_an_unknown_service_is_404(gw: Api) -> None:
    response = await gw.http.post(
        f"/admin/services/{UNKNOWN}/contexts", json={"system_prompt": "x"}, headers=ADMIN
    )
    assert_problem(response, 404)


async def test_empty_system_prompt_is_422(gw: Api) -> None:
    response = await gw.http.post(
        f"/admin/services/{SOME}/contexts", json={"system_prompt": ""}, headers=ADMIN
    )
    assert assert_problem(response, 422)["errors"] == [
        {"field": "body.system_prompt", "type": "string_too_short"}
    ]


# --- infos --------------------------------------------------------------------------------


async def test_info_is_created_with_its_validity_window(gw: Api) -> None:
    service = gw.store.add_service()
    body = {
        "title": "Messe de Noël",
        "content": "Le 24 décembre à 23 h.",
        "valid_from": "2026-12-01T00:00:00+01:00",
        "valid_to": "2026-12-26T00:00:00Z",
    }
    response = await gw.http.post(f"/admin/services/{service.id}/infos", json=body, headers=ADMIN)
    assert response.status_code == 201
    assert response.headers["location"] == f"/admin/infos/{response.json()['id']}"
    sent = gw.store.last(api.INFO_CREATE)
    assert sent.valid_from == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert sent.valid_to == datetime(2026, 12, 26, 0, 0, tzinfo=UTC)
    assert (sent.service_id, sent.title) == (service.id, "Messe de Noël")


async def test_info_list_passes_valid_at_to_the_store(gw: Api) -> None:
    service = gw.store.add_service()
    response = await gw.http.get(
        f"/admin/services/{service.id}/infos",
        params={"valid_at": "2026-12-24T22:00:00+00:00"},
        headers=ADMIN,
    )
    assert response.status_code == 200
    assert response.json() == []
    assert gw.store.last(api.INFO_LIST) == api.ListQuery(
        service_id=service.id, valid_at=datetime(2026, 12, 24, 22, 0, tzinfo=UTC)
    )


async def test_valid_at_without_a_time_zone_is_422(gw: Api) -> None:
    response = await gw.http.get(
        f"/admin/services/{SOME}/infos", params={"valid_at": "2026-12-24T22:00:00"}, headers=ADMIN
    )
    assert assert_problem(response, 422)["errors"] == [
        {"field": "query.valid_at", "type": "timezone_aware"}
    ]


async def test_patch_info_with_null_bound_makes_it_unbounded(gw: Api) -> None:
    service = gw.store.add_service()
    created = await gw.http.post(
        f"/admin/services/{service.id}/infos",
        json={"title": "t", "content": "c", "valid_to": "2027-01-01T00:00:00Z"},
        headers=ADMIN,
    )
    info_id = created.json()["id"]
    response = await gw.http.patch(
        f"/admin/infos/{info_id}", json={"title": "t2", "valid_to": None}, headers=ADMIN
    )
    assert response.status_code == 200
    assert response.json()["valid_to"] is None
    assert gw.store.last(api.INFO_UPDATE) == api.InfoUpdate(
        id=info_id, title="t2", clear_valid_to=True
    )
    read = await gw.http.get(f"/admin/infos/{info_id}", headers=ADMIN)
    assert read.json()["title"] == "t2"
    deleted = await gw.http.delete(f"/admin/infos/{info_id}", headers=ADMIN)
    assert deleted.status_code == 204
    assert gw.store.last(api.INFO_DELETE) == api.ById(id=info_id)


# --- users and roles ----------------------------------------------------------------------


async def test_get_user_answers_the_store_view(gw: Api) -> None:
    user = gw.store.add_user("Marie")
    response = await gw.http.get(f"/admin/users/{user.id}", headers=ADMIN)
    assert response.json()["name"] == "Marie"
    assert gw.store.last(api.USER_GET) == api.ById(id=user.id)


async def test_erasing_a_user_answers_the_report(gw: Api) -> None:
    user = gw.store.add_user()
    gw.store.add_session(user.id)
    response = await gw.http.delete(f"/admin/users/{user.id}", headers=ADMIN)
    assert response.status_code == 200
    assert response.json() == {
        "user_id": user.id,
        "rows": {"users": 1, "sessions": 1},
        "media_files": 0,
        "streams": {"chat": 2, "dlq": 1},
        "buckets": {"wa_lids": 1, "sent_replies": 0},
        "redis_keys": 1,
    }
    assert gw.store.last(api.USER_ERASE) == api.ById(id=user.id)
    assert_problem(await gw.http.get(f"/admin/users/{user.id}", headers=ADMIN), 404)


async def test_roles_are_granted_listed_and_revoked(gw: Api) -> None:
    user, service = gw.store.add_user(), gw.store.add_service()
    body = {"service_id": service.id, "role": "parent", "intrinsic_id": "FAMILLE-42"}
    granted = await gw.http.post(f"/admin/users/{user.id}/roles", json=body, headers=ADMIN)
    assert granted.status_code == 201
    role_id = granted.json()["id"]
    assert granted.headers["location"] == f"/admin/roles/{role_id}"
    assert granted.json()["has_intrinsic_id"] is True
    assert "FAMILLE-42" not in granted.text
    assert gw.store.last(api.ROLE_GRANT) == api.RoleWrite(
        user_id=user.id, service_id=service.id, role="parent", intrinsic_id="FAMILLE-42"
    )
    listed = await gw.http.get(f"/admin/users/{user.id}/roles", headers=ADMIN)
    assert [r["id"] for r in listed.json()] == [role_id]
    assert gw.store.last(api.ROLE_LIST) == api.ListQuery(user_id=user.id)
    revoked = await gw.http.delete(f"/admin/roles/{role_id}", headers=ADMIN)
    assert revoked.status_code == 204
    assert gw.store.last(api.ROLE_REVOKE) == api.ById(id=role_id)


async def test_unknown_role_name_is_422(gw: Api) -> None:
    body = {"service_id": SOME, "role": "pope"}
    response = await gw.http.post(f"/admin/users/{SOME}/roles", json=body, headers=ADMIN)
    assert assert_problem(response, 422)["errors"] == [
        {"field": "body.role", "type": "literal_error"}
    ]


# --- the store unavailable, unknown routes ------------------------------------------------


async def test_store_not_answering_is_503_with_retry_after(namespace: str) -> None:
    async with running_api(api_env(namespace), with_store=False) as gw:
        response = await gw.http.get(f"/sessions/{SOME}", headers=AGENT)
    assert_problem(response, 503)
    assert response.headers["retry-after"] == "2"


async def test_store_failure_is_502_without_its_detail(gw: Api) -> None:
    gw.store.broken[api.SESSION_GET] = RuntimeError("database exploded")
    response = await gw.http.get(f"/sessions/{SOME}", headers=AGENT)
    assert_problem(response, 502)
    assert "exploded" not in response.text


async def test_unexpected_error_is_a_500_problem_and_logged(
    gw: Api, caplog: pytest.LogCaptureFixture
) -> None:
    session = gw.store.add_session(gw.store.add_user().id)
    # A view the store's contract accepts but the API's model does not (a bug).
    gw.store.broken[api.SESSION_GET] = msgspec.structs.replace(session, user_id="not-a-uuid")
    response = await gw.http.get(f"/sessions/{SOME}", headers=AGENT)
    assert assert_problem(response, 500)["detail"] == "unexpected error"
    assert "ValidationError on GET /sessions/{session_id}" in caplog.text


async def test_unknown_path_is_a_404_problem(gw: Api) -> None:
    assert_problem(await gw.http.get("/nowhere", headers=ADMIN), 404)


async def test_wrong_method_is_a_405_problem(gw: Api) -> None:
    response = await gw.http.post(f"/sessions/{SOME}", headers=ADMIN)
    assert_problem(response, 405)
    assert "GET" in response.headers["allow"]
