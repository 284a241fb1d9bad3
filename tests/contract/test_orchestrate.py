"""``POST /orchestrate``'s contract: who may call it, what it accepts, the exact
``MessageReceived`` it publishes, and how it turns the replies into its answer.

The real app publishes to the real JetStream; a scripted pipeline answers through
the outbound role's real reply publisher (:mod:`support.orchestrate`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import pytest
from nats.aio.client import Client as NATS

from concierge_common import ids
from concierge_common import settings as settings_module
from concierge_common.bus.heartbeat import HeartbeatReader
from concierge_common.bus.publisher import Publisher
from concierge_common.bus.rpc import RpcClient
from concierge_common.bus.topology import Topology
from concierge_common.contracts.messages import MessageReceived, SendReply
from concierge_common.errors import ConfigError
from gateway.api_channel import ReplyListener
from gateway.app import create_app
from gateway.settings import GatewaySettings
from support.api import api_env, as_role
from support.orchestrate import OrchestrateApi, orchestrate_env, reply_to, running_orchestrate_api

PROBLEM = "application/problem+json"
CHANNEL = as_role("channel")
ADMIN = as_role("admin")
QUESTION = {"user": "web-8f3a", "text": "Quels sont les horaires des messes ?"}


@pytest.fixture
async def api(namespace: str) -> AsyncIterator[OrchestrateApi]:
    async with running_orchestrate_api(orchestrate_env(api_env(namespace))) as running:
        yield running


def answer_with(*replies: tuple[str, str]) -> Any:
    """A script answering each message with ``(text, origin)`` replies, in order."""

    def script(message: MessageReceived) -> list[SendReply]:
        return [
            reply_to(message, text, origin=origin, n=n) for n, (text, origin) in enumerate(replies)
        ]

    return script


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


# --- who may call it ------------------------------------------------------------------------


async def test_orchestrate_without_a_token_is_401_and_publishes_nothing(
    api: OrchestrateApi,
) -> None:
    response = await api.http.post("/orchestrate", json=QUESTION)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert api.pipeline.received == []


async def test_agent_token_is_forbidden_on_orchestrate(api: OrchestrateApi) -> None:
    response = await api.http.post("/orchestrate", json=QUESTION, headers=as_role("agent"))
    assert "channel" in assert_problem(response, 403)["detail"]
    assert api.pipeline.received == []


@pytest.mark.parametrize("headers", [CHANNEL, ADMIN], ids=["channel", "admin"])
async def test_channel_and_admin_tokens_may_orchestrate(
    api: OrchestrateApi, headers: dict[str, str]
) -> None:
    api.pipeline.script = answer_with(("Bonjour", "ai"))
    response = await api.http.post("/orchestrate", json=QUESTION, headers=headers)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/services"),
        ("GET", "/sessions/2f1c7a52-8d1e-4b8e-9a57-4c1d2e3f4a5b"),
        ("GET", "/staff/handoffs"),
    ],
)
async def test_channel_token_may_use_nothing_else(
    api: OrchestrateApi, method: str, path: str
) -> None:
    response = await api.http.request(method, path, headers=CHANNEL)
    assert_problem(response, 403)


# --- what it accepts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user": "web-8f3a"}, "body.text"),
        ({"user": "web-8f3a", "text": ""}, "body.text"),
        ({"user": "web-8f3a", "text": "   \n "}, "body.text"),
        ({"user": "web-8f3a", "text": "a" * 4097}, "body.text"),
        ({"text": "Bonjour"}, "body.user"),
        ({"user": "", "text": "Bonjour"}, "body.user"),
        ({"user": "a" * 65, "text": "Bonjour"}, "body.user"),
        ({"user": "marie@example.org", "text": "Bonjour"}, "body.user"),
        ({"user": "web 8f3a", "text": "Bonjour"}, "body.user"),
        ({"user": "-web", "text": "Bonjour"}, "body.user"),
        ({"user": "33612345678", "text": "Bonjour"}, "body.user"),
        ({"user": "web-8f3a", "text": "Bonjour", "name": ""}, "body.name"),
        ({"user": "web-8f3a", "text": "Bonjour", "name": "M" * 101}, "body.name"),
        ({"user": "web-8f3a", "text": "Bonjour", "phone": "+33612345678"}, "body.phone"),
    ],
)
async def test_invalid_body_is_422_naming_the_field_and_publishes_nothing(
    api: OrchestrateApi, body: dict[str, Any], field: str
) -> None:
    response = await api.http.post("/orchestrate", json=body, headers=CHANNEL)
    problem = assert_problem(response, 422)
    assert [error["field"] for error in problem["errors"]] == [field]
    assert "33612345678" not in response.text
    assert api.pipeline.received == []


async def test_longest_text_and_name_are_accepted(api: OrchestrateApi) -> None:
    api.pipeline.script = answer_with(("Bien reçu", "ai"))
    body = {"user": "a" * 64, "text": "é" * 4096, "name": "M" * 100}
    response = await api.http.post("/orchestrate", json=body, headers=CHANNEL)
    assert response.status_code == 200, response.text
    assert api.pipeline.received[0].text == "é" * 4096


# --- what it publishes ----------------------------------------------------------------------


async def test_publishes_one_message_received_of_the_api_channel(api: OrchestrateApi) -> None:
    api.pipeline.script = answer_with(("Les messes sont à 9h30", "ai"))
    body = {"user": "web-8f3a", "text": "  horaires des messes ?  ", "name": " Marie "}
    response = await api.http.post("/orchestrate", json=body, headers=CHANNEL)
    assert response.status_code == 200, response.text
    [message] = api.pipeline.received
    chat = "tester:web-8f3a@api"  # the person within the token's channel
    conversation = ids.conversation_id(api.conversation_key, "api", chat)
    expected_id = ids.derived_id("gateway", f"api\x1f{message.provider_message_id}")
    assert message == MessageReceived(
        message_id=expected_id,
        conversation_id=conversation,
        correlation_id=expected_id,
        created_at=message.created_at,
        session="api",
        chat_id=chat,
        sender_id=chat,
        provider_message_id=message.provider_message_id,
        kind="text",
        text="horaires des messes ?",
        sent_at=message.sent_at,
        push_name="Marie",
        channel="api",
    )
    assert len(message.provider_message_id) == 32
    assert message.sent_at > 0
    assert response.json()["conversation_id"] == conversation


async def test_each_request_is_a_new_message_of_the_same_conversation(
    api: OrchestrateApi,
) -> None:
    api.pipeline.script = answer_with(("Oui", "ai"))
    for _ in range(2):
        response = await api.http.post("/orchestrate", json=QUESTION, headers=CHANNEL)
        assert response.status_code == 200
    first, second = api.pipeline.received
    assert first.conversation_id == second.conversation_id
    assert first.provider_message_id != second.provider_message_id
    assert first.message_id != second.message_id


async def test_without_a_name_the_push_name_is_empty(api: OrchestrateApi) -> None:
    api.pipeline.script = answer_with(("Oui", "ai"))
    await api.http.post("/orchestrate", json=QUESTION, headers=CHANNEL)
    assert api.pipeline.received[0].push_name == ""


# --- what it answers ------------------------------------------------------------------------


async def test_answers_every_reply_in_order(api: OrchestrateApi) -> None:
    api.pipeline.script = answer_with(("Bonjour !", "router"), ("Les messes : 9h30", "ai"))
    response = await api.http.post("/orchestrate", json=QUESTION, headers=CHANNEL)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["replies"] == [
        {"text": "Bonjour !", "origin": "router"},
        {"text": "Les messes : 9h30", "origin": "ai"},
    ]
    assert body["handed_off"] is False
    assert set(body) == {"conversation_id", "replies", "handed_off"}


async def test_a_handoff_notice_means_handed_off(api: OrchestrateApi) -> None:
    api.pipeline.script = answer_with(("Un membre de l'équipe vous répond", "handoff"))
    response = await api.http.post("/orchestrate", json=QUESTION, headers=CHANNEL)
    assert response.status_code == 200, response.text
    assert response.json()["handed_off"] is True
    assert response.json()["replies"][0]["origin"] == "handoff"


async def test_an_ai_apology_followed_by_a_handoff_notice_means_handed_off(
    api: OrchestrateApi,
) -> None:
    api.pipeline.script = answer_with(("Désolé", "ai"), ("Un humain arrive", "handoff"))
    response = await api.http.post("/orchestrate", json=QUESTION, headers=CHANNEL)
    assert [r["origin"] for r in response.json()["replies"]] == ["ai", "handoff"]
    assert response.json()["handed_off"] is True


async def test_a_reply_published_twice_is_answered_once(api: OrchestrateApi) -> None:
    def twice(message: MessageReceived) -> list[SendReply]:
        reply = reply_to(message, "Les messes : 9h30")
        return [reply, reply]

    api.pipeline.script = twice
    response = await api.http.post("/orchestrate", json=QUESTION, headers=CHANNEL)
    assert response.json()["replies"] == [{"text": "Les messes : 9h30", "origin": "ai"}]


async def test_a_reply_to_another_message_of_the_person_is_left_out(
    api: OrchestrateApi,
) -> None:
    def with_a_stray(message: MessageReceived) -> list[SendReply]:
        stray = msgspec.structs.replace(
            reply_to(message, "réponse d'avant", n=9), in_reply_to="false_older"
        )
        return [stray, reply_to(message, "Les messes : 9h30")]

    api.pipeline.script = with_a_stray
    response = await api.http.post("/orchestrate", json=QUESTION, headers=CHANNEL)
    assert response.json()["replies"] == [{"text": "Les messes : 9h30", "origin": "ai"}]


async def test_nothing_answering_is_504_once_the_message_was_published(namespace: str) -> None:
    # Nothing ever answers: the 2 s are the product's timeout running out, not a guess
    # at how fast the machine is.
    env = orchestrate_env(api_env(namespace), GATEWAY_ORCHESTRATE_TIMEOUT_SECONDS="2")
    async with running_orchestrate_api(env) as api:
        response = await api.http.post("/orchestrate", json=QUESTION, headers=CHANNEL)
        assert "accepted" in assert_problem(response, 504)["detail"]
        assert len(api.pipeline.received) == 1


async def test_without_nats_it_is_503_with_retry_after(namespace: str) -> None:
    settings = settings_module.load(GatewaySettings, api_env(namespace))
    nc, topology = NATS(), Topology.from_settings(settings)  # never connected
    app = create_app(
        settings,
        Publisher(nc, topology),
        RpcClient(nc, topology),
        HeartbeatReader(nc, topology.health_bucket, max_age=15.0),
        replies=ReplyListener(nc, topology),
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        response = await http.post("/orchestrate", json=QUESTION, headers=CHANNEL)
    assert assert_problem(response, 503)["detail"] == "message bus unavailable"
    assert response.headers["retry-after"] == "2"


async def test_an_app_that_cannot_listen_answers_503(namespace: str) -> None:
    settings = settings_module.load(GatewaySettings, api_env(namespace))
    nc, topology = NATS(), Topology.from_settings(settings)
    app = create_app(
        settings,
        Publisher(nc, topology),
        RpcClient(nc, topology),
        HeartbeatReader(nc, topology.health_bucket, max_age=15.0),
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        response = await http.post("/orchestrate", json=QUESTION, headers=CHANNEL)
    assert_problem(response, 503)


@pytest.mark.parametrize(("quiet", "timeout"), [("0", "25"), ("25", "25"), ("30", "25")])
def test_quiet_period_must_be_positive_and_below_the_timeout(quiet: str, timeout: str) -> None:
    env = orchestrate_env(
        api_env("settings"),
        GATEWAY_ORCHESTRATE_QUIET_SECONDS=quiet,
        GATEWAY_ORCHESTRATE_TIMEOUT_SECONDS=timeout,
    )
    with pytest.raises(ConfigError, match="GATEWAY_ORCHESTRATE_QUIET_SECONDS"):
        settings_module.load(GatewaySettings, env)
