"""Issue 14, item 2: a channel of ``POST /orchestrate`` cannot act as another's person.

The person of a request is the body's ``user`` within the token's subject (the
calling channel): ``<subject>:<user>@api``. Two channels naming the same
``user`` are two people (two conversations, two store persons), a ``user`` that
spells another channel's person stays within the caller's channel, and a token
whose subject cannot name a channel is refused before anything is published.
The real app publishes to the real JetStream (:mod:`support.orchestrate`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from concierge_common import ids
from gateway.api.auth import mint_token
from gateway.settings import DEFAULT_JWT_AUDIENCE
from support.api import api_env, bearer
from support.orchestrate import OrchestrateApi, orchestrate_env, reply_to, running_orchestrate_api
from support.stack import JWT_SECRET


def channel(subject: str, *roles: str) -> dict[str, str]:
    token = mint_token(
        JWT_SECRET,
        subject=subject,
        roles=list(roles or ["channel"]),
        ttl_seconds=300,
        audience=DEFAULT_JWT_AUDIENCE,
    )
    return bearer(token)


@pytest.fixture
async def api(namespace: str) -> AsyncIterator[OrchestrateApi]:
    async with running_orchestrate_api(orchestrate_env(api_env(namespace))) as running:
        running.pipeline.script = lambda message: [reply_to(message, "Bonjour")]
        yield running


async def _chat_of(api: OrchestrateApi, headers: dict[str, str], user: str) -> str:
    body = {"user": user, "text": "Bonjour"}
    response = await api.http.post("/orchestrate", json=body, headers=headers)
    assert response.status_code == 200, response.text
    message = api.pipeline.received[-1]
    assert response.json()["conversation_id"] == message.conversation_id
    return message.chat_id


async def test_two_channels_naming_the_same_user_are_two_people(api: OrchestrateApi) -> None:
    web = await _chat_of(api, channel("web"), "web-8f3a")
    voice = await _chat_of(api, channel("voice"), "web-8f3a")

    assert (web, voice) == ("web:web-8f3a@api", "voice:web-8f3a@api")
    first, second = api.pipeline.received
    assert first.conversation_id != second.conversation_id
    assert first.sender_id == web
    assert second.sender_id == voice


async def test_a_channel_cannot_name_another_channels_person(api: OrchestrateApi) -> None:
    victim = await _chat_of(api, channel("web"), "web-8f3a")
    forged = await _chat_of(api, channel("evil"), "web:web-8f3a")

    assert forged == "evil:web:web-8f3a@api" != victim
    expected = ids.conversation_id(api.conversation_key, "api", victim)
    assert api.pipeline.received[1].conversation_id != expected


async def test_an_admin_token_is_a_channel_of_its_own(api: OrchestrateApi) -> None:
    assert await _chat_of(api, channel("dpo", "admin"), "web-8f3a") == "dpo:web-8f3a@api"


@pytest.mark.parametrize(
    "subject", ["", "web:8f3a", "chat@parish.fr", "-web", "w" * 65, "web chat", "wéb"]
)
async def test_a_subject_that_cannot_name_a_channel_is_403_and_publishes_nothing(
    api: OrchestrateApi, subject: str
) -> None:
    body = {"user": "web-8f3a", "text": "Bonjour"}
    response = await api.http.post("/orchestrate", json=body, headers=channel(subject))
    assert response.status_code == 403, response.text
    assert "subject" in response.json()["detail"]
    assert api.pipeline.received == []
