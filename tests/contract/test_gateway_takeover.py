"""What the webhook publishes for the organisation's own messages and for the staff chat.

The real app takes signed webhooks and publishes to the real JetStream; each
test reads back what landed on which subject: a human's message from the
phone is an ``OperatorMessageSeen`` on the person's ``inbound`` flow, WAHA's
echo of the concierge's own message is nothing, and the staff group is
published although other groups are not.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import nats
import pytest
from nats.aio.client import Client as NATS

from concierge_common import ids
from concierge_common import settings as settings_module
from concierge_common.bus.topology import Topology, declare_streams
from concierge_common.contracts.messages import (
    BusMessage,
    Codec,
    MessageReceived,
    OperatorMessageSeen,
)
from gateway.settings import GatewaySettings
from gateway.signature import sign
from support.api import api_env, running_api
from support.fixtures import fresh, load
from support.stack import HMAC_KEY, delete_namespace

STAFF_GROUP = "120363000000000001@g.us"
INBOUND = Codec(MessageReceived, OperatorMessageSeen)


@dataclass
class Edge:
    http: httpx.AsyncClient
    nc: NATS
    topology: Topology
    key: str

    async def post(self, body: dict[str, Any]) -> httpx.Response:
        raw = json.dumps(fresh(body)).encode()
        headers = {"content-type": "application/json", "x-webhook-hmac": sign(HMAC_KEY, raw)}
        return await self.http.post("/webhook", content=raw, headers=headers)

    async def stored(self) -> int:
        info = await self.nc.jetstream().stream_info(self.topology.stream)
        return int(info.state.messages)

    async def inbound_of(self, chat: str) -> BusMessage:
        """The last message stored on the ``inbound`` subject of ``chat``'s conversation."""
        conversation = ids.conversation_id(self.key, "default", chat)
        subject = self.topology.subject("inbound", conversation)
        raw = await self.nc.jetstream().get_last_msg(self.topology.stream, subject)
        assert raw.data is not None
        return INBOUND.decode(raw.data)


@pytest.fixture
async def edge(namespace: str) -> AsyncIterator[Edge]:
    env = api_env(namespace, STAFF_CHAT_ID=STAFF_GROUP)
    settings = settings_module.load(GatewaySettings, env)
    topology = Topology.from_settings(settings)
    nc = await nats.connect(settings.nats_url)
    try:
        await declare_streams(nc.jetstream(), topology, settings)
        async with running_api(env, with_store=False) as api:
            yield Edge(api.http, nc, topology, settings.conversation_id_key)
    finally:
        await nc.close()
        await delete_namespace(settings.nats_url, topology)


@pytest.mark.parametrize(
    ("name", "chat"),
    [
        ("message-any-phone-reply-webjs-constructed.json", "11111111111@c.us"),
        ("message-any-phone-reply-noweb-constructed.json", "33333333333@c.us"),
    ],
)
async def test_phone_reply_is_published_on_the_persons_inbound_flow(
    edge: Edge, name: str, chat: str
) -> None:
    body = load(name)
    response = await edge.post(body)
    assert response.status_code == 200
    assert response.json() == {"status": "accepted", "duplicate": False}
    published = await edge.inbound_of(chat)
    assert isinstance(published, OperatorMessageSeen)
    assert published.chat_id == chat
    assert published.provider_message_id == body["payload"]["id"]


async def test_retried_phone_reply_is_stored_once(edge: Edge) -> None:
    body = load("message-any-phone-reply-webjs-constructed.json")
    await edge.post(body)
    again = await edge.post(body)
    assert again.json() == {"status": "accepted", "duplicate": True}
    assert await edge.stored() == 1


async def test_echo_of_the_concierges_own_message_publishes_nothing(edge: Edge) -> None:
    response = await edge.post(load("message-any-api-echo-webjs-constructed.json"))
    assert response.status_code == 200
    assert response.json() == {"status": "ignored", "reason": "own_message"}
    assert await edge.stored() == 0


async def test_staff_group_message_is_published(edge: Edge) -> None:
    response = await edge.post(load("message-staff-group-noweb-constructed.json"))
    assert response.json() == {"status": "accepted", "duplicate": False}
    published = await edge.inbound_of(STAFF_GROUP)
    assert isinstance(published, MessageReceived)
    assert published.sender_id == "44444444444@lid"


async def test_other_group_publishes_nothing(edge: Edge) -> None:
    body = load("message-staff-group-noweb-constructed.json")
    body["payload"]["from"] = "120363000000000009@g.us"
    body["payload"]["id"] = "false_120363000000000009@g.us_3B1C2D3E4F5A6B7C8D9E_44444444444@lid"
    response = await edge.post(body)
    assert response.json() == {"status": "ignored", "reason": "group"}
    assert await edge.stored() == 0


async def test_person_message_on_both_message_and_message_any_is_stored_once(edge: Edge) -> None:
    # WAHA subscribed to both events delivers a person's message twice (waha#1384).
    body = load("message-text-webjs-inbound.json")
    first = await edge.post(body)
    second = await edge.post({**body, "event": "message.any"})
    assert first.json() == {"status": "accepted", "duplicate": False}
    assert second.json() == {"status": "accepted", "duplicate": True}
    assert await edge.stored() == 1
