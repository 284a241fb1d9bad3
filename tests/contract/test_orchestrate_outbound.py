"""The outbound role and ``POST /orchestrate`` conversations: their replies never reach
WAHA, they reach the listening API request once, and they are recorded like any reply.

The real :class:`gateway.outbound.OutboundSender` runs on the real NATS (sent
bucket, ``sent`` flow, core reply subject); WAHA is an ``httpx.MockTransport``
that records every request.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import msgspec
import nats
import pytest
from nats.aio.client import Client as NATS
from nats.js.kv import KeyValue

from concierge_common import ids
from concierge_common import settings as settings_module
from concierge_common.bus.consumer import Delivery
from concierge_common.bus.publisher import Publisher
from concierge_common.bus.topology import Topology, declare_streams
from concierge_common.contracts.messages import Codec, ReplySent, SendReply
from gateway.api_channel import ApiReplies, ReplyInbox, ReplyListener
from gateway.outbound import SENT, OutboundSender
from gateway.settings import GatewaySettings
from gateway.waha_client import WahaClient
from support.api import api_env
from support.stack import delete_namespace

API_CHAT = "web-8f3a@api"
STAFF_CHAT = "120363000000000001@g.us"
SENT_FLOW = Codec(ReplySent)


@dataclass
class Outbound:
    sender: OutboundSender
    waha_requests: list[httpx.Request]
    listener: ReplyListener
    api_replies: ApiReplies
    sent_bucket: KeyValue
    nc: NATS
    topology: Topology
    key: str

    def reply(self, chat_id: str, *, session: str = "api", text: str = "9h30") -> SendReply:
        conversation = ids.conversation_id(self.key, session, chat_id)
        return SendReply(
            message_id=ids.derived_id("test-reply", f"{session}/{chat_id}/{text}"),
            conversation_id=conversation,
            correlation_id="corr-1",
            session=session,
            chat_id=chat_id,
            text=text,
            in_reply_to="prov-1",
            origin="ai",
        )

    def texts_sent(self) -> list[httpx.Request]:
        """The ``sendText`` requests (ids, seen and typing are asked of WAHA too)."""
        return [r for r in self.waha_requests if r.url.path == "/api/sendText"]

    async def deliver(self, reply: SendReply, attempt: int = 1) -> None:
        await self.sender(reply, Delivery(attempt=attempt, subject="s", stream_sequence=1))

    async def sent_events(self, reply: SendReply) -> tuple[int, ReplySent]:
        """How many ``ReplySent`` were stored on ``reply``'s ``sent`` subject, and the last."""
        js = self.nc.jetstream()
        subject = self.topology.subject("sent", reply.conversation_id)
        info = await js.stream_info(self.topology.stream, subjects_filter=subject)
        raw = await js.get_last_msg(self.topology.stream, subject)
        assert raw.data is not None
        event = SENT_FLOW.decode(raw.data)
        assert isinstance(event, ReplySent)
        return (info.state.subjects or {}).get(subject, 0), event


@pytest.fixture
async def outbound(namespace: str) -> AsyncIterator[Outbound]:
    settings = settings_module.load(GatewaySettings, api_env(namespace))
    topology = Topology.from_settings(settings)
    nc = await nats.connect(settings.nats_url)
    requests: list[httpx.Request] = []

    def waha(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(201, json={"id": "waha-message-1"})

    client = WahaClient("http://waha", "key", transport=httpx.MockTransport(waha))
    try:
        await declare_streams(nc.jetstream(), topology, settings)
        bucket = await nc.jetstream().key_value(topology.sent_bucket)
        api_replies = ApiReplies(nc, topology)
        sender = OutboundSender(
            client, bucket, Publisher(nc, topology), api_replies, whatsapp_session="default"
        )
        yield Outbound(
            sender,
            requests,
            ReplyListener(nc, topology),
            api_replies,
            bucket,
            nc,
            topology,
            settings.conversation_id_key,
        )
    finally:
        await client.aclose()
        await nc.close()
        await delete_namespace(settings.nats_url, topology)


async def drain_until(inbox: ReplyInbox, marker: SendReply) -> list[SendReply]:
    """Every reply received before ``marker`` (published after them on the same connection)."""
    received = []
    while (reply := await inbox.next(10.0)) is not None and reply != marker:
        received.append(reply)
    assert reply == marker, "the marker never came"
    return received


async def test_api_reply_reaches_the_listener_once_and_never_waha(outbound: Outbound) -> None:
    reply = outbound.reply(API_CHAT)
    marker = outbound.reply(API_CHAT, text="marker")
    async with outbound.listener.listen(reply.conversation_id) as inbox:
        await outbound.deliver(reply)
        await outbound.deliver(reply, attempt=2)  # a redelivery after a lost ack
        await outbound.api_replies.publish(marker)
        received = await drain_until(inbox, marker)
    assert received == [reply]
    assert outbound.waha_requests == []


async def test_api_reply_is_recorded_as_sent_once(outbound: Outbound) -> None:
    reply = outbound.reply(API_CHAT)
    await outbound.deliver(reply)
    await outbound.deliver(reply, attempt=2)
    entry = await outbound.sent_bucket.get(reply.message_id)
    assert entry.value == SENT
    count, event = await outbound.sent_events(reply)
    assert count == 1
    assert event.message_id == ids.derived_id("gateway-sent", reply.message_id)
    assert (event.reply_id, event.session, event.chat_id) == (reply.message_id, "api", API_CHAT)
    assert (event.text, event.in_reply_to, event.origin) == ("9h30", "prov-1", "ai")
    assert event.provider_message_id == ""


async def test_api_reply_interrupted_after_the_claim_is_published_again(
    outbound: Outbound,
) -> None:
    reply = outbound.reply(API_CHAT)
    marker = outbound.reply(API_CHAT, text="marker")
    await outbound.sent_bucket.put(reply.message_id, b"sending")  # a crash after the claim
    async with outbound.listener.listen(reply.conversation_id) as inbox:
        await outbound.deliver(reply, attempt=2)
        await outbound.api_replies.publish(marker)
        assert await drain_until(inbox, marker) == [reply]
    assert outbound.waha_requests == []


async def test_whatsapp_reply_goes_to_waha_and_not_to_listeners(outbound: Outbound) -> None:
    reply = outbound.reply("33600000001@c.us", session="default")
    marker = outbound.reply("33600000001@c.us", session="default", text="marker")
    async with outbound.listener.listen(reply.conversation_id) as inbox:
        await outbound.deliver(reply)
        await outbound.api_replies.publish(marker)
        assert await drain_until(inbox, marker) == []
    [request] = outbound.texts_sent()
    body = json.loads(request.content)
    assert (body["session"], body["chatId"], body["text"]) == (
        "default",
        "33600000001@c.us",
        "9h30",
    )
    count, event = await outbound.sent_events(reply)
    assert (count, event.provider_message_id) == (1, "waha-message-1")


async def test_staff_alert_about_an_api_conversation_goes_through_wahas_own_session(
    outbound: Outbound,
) -> None:
    # The handoff service alerts staff in the session of the person's message: "api".
    alert = msgspec.structs.replace(outbound.reply(STAFF_CHAT), origin="handoff")
    await outbound.deliver(alert)
    [request] = outbound.texts_sent()
    body = json.loads(request.content)
    assert (body["session"], body["chatId"]) == ("default", STAFF_CHAT)
