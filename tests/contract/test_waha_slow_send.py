"""A send WAHA answers too late is never sent twice: it is looked up in WAHA, not resent.

The real :class:`gateway.outbound.OutboundSender` runs on the real NATS (the
``sent`` bucket and flow) against the WAHA stand-in, whose sends the test can
hold (:mod:`support.waha_hold`): WAHA got the ``sendText`` and answers only once
the test releases it, after the client's timeout (0.2 s here) made it give up.
The bus's retries are played by handing the same message to the handler again,
as the consumer does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import msgspec
import nats
import pytest
from nats.aio.client import Client as NATS
from prometheus_client import REGISTRY

from concierge_common import ids
from concierge_common import settings as settings_module
from concierge_common.bus.consumer import Delivery
from concierge_common.bus.publisher import Publisher
from concierge_common.bus.topology import Topology, declare_streams
from concierge_common.contracts.messages import Attachment, Codec, ReplyFailed, ReplySent, SendReply
from concierge_common.errors import DownstreamUnavailable
from concierge_common.storage.media_storage import LocalMediaStorage
from concierge_devkit.waha_fake import serve_fake
from gateway.api_channel import ApiReplies
from gateway.outbound import OutboundSender, SendOptions
from gateway.send_check import SendInDoubt
from gateway.send_ledger import Phase, SendLedger
from gateway.settings import GatewaySettings
from gateway.waha_client import NoAnswer, WahaClient
from support.api import api_env
from support.bus_reading import stored_on
from support.stack import WAHA_KEY, delete_namespace
from support.waha_hold import HoldingWaha

PERSON = "33600000711@c.us"
TIMEOUT = 0.2  # the client's, so that WAHA's answer comes after it gave up
SENTENCES = [
    "Le baptême se prépare avec l'équipe paroissiale.",
    "Deux rencontres ont lieu avant la célébration.",
    "Merci de prendre contact avec le secrétariat.",
]
SENT_FLOW = Codec(ReplySent, ReplyFailed)


@dataclass
class Slow:
    sender: OutboundSender
    waha: HoldingWaha
    ledger: SendLedger
    nc: NATS
    topology: Topology
    key: str
    media: LocalMediaStorage

    def reply(self, text: str = "La messe est à 10 h 30.", **fields: object) -> SendReply:
        reply = SendReply(
            message_id=ids.new_id(),
            conversation_id=ids.conversation_id(self.key, "default", PERSON),
            correlation_id="corr-slow",
            session="default",
            chat_id=PERSON,
            text=text,
            in_reply_to="inbound-1",
        )
        return msgspec.structs.replace(reply, **fields)

    async def deliver(self, reply: SendReply, attempt: int) -> None:
        await self.sender(reply, Delivery(attempt=attempt, subject="s", stream_sequence=1))

    def texts(self) -> list[str]:
        return [str(r.body["text"]) for r in self.waha.sent_texts]

    async def events(self, reply: SendReply) -> list[ReplySent | ReplyFailed]:
        subject = self.topology.subject("sent", reply.conversation_id)
        found = await stored_on(self.nc, self.topology.stream, subject, SENT_FLOW.decode)
        return [event for event in found if isinstance(event, ReplySent | ReplyFailed)]


@pytest.fixture
async def slow(namespace: str, tmp_path: Path) -> AsyncIterator[Slow]:
    settings = settings_module.load(GatewaySettings, api_env(namespace))
    topology = Topology.from_settings(settings)
    waha = HoldingWaha(api_key=WAHA_KEY)
    server = await serve_fake(waha)
    client = WahaClient(waha.base_url, WAHA_KEY, timeout=TIMEOUT)
    nc = await nats.connect(settings.nats_url)
    media = LocalMediaStorage(tmp_path)
    options = SendOptions(media=media, part_max_chars=60)
    try:
        await declare_streams(nc.jetstream(), topology, settings)
        bucket = await nc.jetstream().key_value(topology.sent_bucket)
        sender = OutboundSender(
            client,
            bucket,
            Publisher(nc, topology),
            ApiReplies(nc, topology),
            whatsapp_session="default",
            options=options,
        )
        key = settings.conversation_id_key
        yield Slow(sender, waha, SendLedger(bucket), nc, topology, key, media)
        assert waha.invalid == []
    finally:
        waha.release_all()
        await client.aclose()
        await nc.close()
        await server.stop()
        await delete_namespace(settings.nats_url, topology)


def replies(result: str) -> float:
    value = REGISTRY.get_sample_value("concierge_gateway_replies_total", {"result": result})
    return value or 0.0


async def test_a_send_waha_answers_after_the_timeout_is_confirmed_not_sent_again(
    slow: Slow,
) -> None:
    reply = slow.reply()
    hold = slow.waha.hold_next(stored_first=True)
    with pytest.raises(NoAnswer):  # the client gave up: WAHA has not answered
        await slow.deliver(reply, attempt=1)
    confirmed = replies("confirmed")
    await slow.deliver(reply, attempt=2)
    [text] = slow.waha.sent_texts
    assert replies("confirmed") == confirmed + 1
    [event] = await slow.events(reply)
    assert isinstance(event, ReplySent)
    assert event.provider_message_id == f"true_{PERSON}_{text.body['id']}"
    hold.release()
    await hold.answered.wait()
    assert len(slow.waha.sent_texts) == 1


async def test_a_send_waha_is_still_making_is_not_sent_again_then_confirmed(
    slow: Slow,
) -> None:
    reply = slow.reply()
    hold = slow.waha.hold_next(stored_first=False)
    with pytest.raises(NoAnswer):
        await slow.deliver(reply, attempt=1)
    assert hold.arrived.is_set()
    not_confirmed = replies("not_confirmed")
    with pytest.raises(SendInDoubt):  # WAHA does not show it yet: not sent again
        await slow.deliver(reply, attempt=2)
    assert replies("not_confirmed") == not_confirmed + 1
    assert slow.waha.sent_texts == []
    assert await slow.events(reply) == []
    hold.release()  # the phone session finally sends it
    await hold.answered.wait()
    await slow.deliver(reply, attempt=3)
    [text] = slow.waha.sent_texts
    [event] = await slow.events(reply)
    assert isinstance(event, ReplySent)
    assert event.provider_message_id == f"true_{PERSON}_{text.body['id']}"


async def test_a_send_waha_never_shows_is_never_sent_again(slow: Slow) -> None:
    """Left to the dead letter (and a human) once the bus's attempts are spent."""
    reply = slow.reply()
    hold = slow.waha.hold_next(stored_first=False)
    with pytest.raises(NoAnswer):
        await slow.deliver(reply, attempt=1)
    for attempt in (2, 3, 4):
        with pytest.raises(SendInDoubt):
            await slow.deliver(reply, attempt=attempt)
    assert await slow.events(reply) == []
    state = await slow.ledger.part(reply.message_id, 1)
    assert state is not None
    assert state.phase is Phase.IN_DOUBT
    hold.release()
    await hold.answered.wait()
    assert len(slow.waha.sent_texts) == 1  # the held one, and nothing else


async def test_a_part_in_doubt_of_a_long_reply_is_not_sent_again(slow: Slow) -> None:
    reply = slow.reply(" ".join(SENTENCES))
    hold = slow.waha.hold_next(stored_first=False, let_through=1)  # the second part
    with pytest.raises(NoAnswer):
        await slow.deliver(reply, attempt=1)
    with pytest.raises(SendInDoubt):
        await slow.deliver(reply, attempt=2)
    assert slow.texts() == SENTENCES[:1]  # the third waits for the second: order is kept
    hold.release()
    await hold.answered.wait()
    await slow.deliver(reply, attempt=3)
    assert slow.texts() == SENTENCES  # each part once, in order
    [event] = await slow.events(reply)
    assert isinstance(event, ReplySent)
    assert event.provider_message_ids == [
        f"true_{PERSON}_{r.body['id']}" for r in slow.waha.sent_texts
    ]


async def test_the_first_part_answered_late_is_confirmed_and_the_rest_sent(slow: Slow) -> None:
    reply = slow.reply(" ".join(SENTENCES))
    hold = slow.waha.hold_next(stored_first=True)
    with pytest.raises(NoAnswer):
        await slow.deliver(reply, attempt=1)
    assert slow.texts() == SENTENCES[:1]
    await slow.deliver(reply, attempt=2)
    assert slow.texts() == SENTENCES
    hold.release()
    await hold.answered.wait()
    assert slow.texts() == SENTENCES


async def test_a_send_without_pre_generated_id_is_recognised_by_its_text(slow: Slow) -> None:
    reply = slow.reply()
    slow.waha.fail_next(1, 501, endpoint="newMessageId")
    hold = slow.waha.hold_next(stored_first=True)
    with pytest.raises(NoAnswer):
        await slow.deliver(reply, attempt=1)
    await slow.deliver(reply, attempt=2)
    [text] = slow.waha.sent_texts
    assert "id" not in text.body
    [listing] = slow.waha.calls("chatMessages")
    assert listing.query["filter.fromMe"] == "true"
    [event] = await slow.events(reply)
    assert isinstance(event, ReplySent)
    assert event.provider_message_id.startswith(f"true_{PERSON}_")
    hold.release()


async def test_a_file_answered_late_is_recognised_by_its_caption(slow: Slow) -> None:
    await slow.media.put("out/messe.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    attachment = Attachment(
        storage_key="out/messe.ics", mimetype="text/calendar", filename="messe.ics"
    )
    reply = slow.reply("Voici le rendez-vous.", attachment=attachment)
    hold = slow.waha.hold_next("sendFile", stored_first=True)
    with pytest.raises(NoAnswer):
        await slow.deliver(reply, attempt=1)
    await slow.deliver(reply, attempt=2)
    assert len(slow.waha.calls("sendFile")) == 1
    [event] = await slow.events(reply)
    assert isinstance(event, ReplySent)
    hold.release()


async def test_a_send_waha_refused_is_looked_up_then_sent_again_with_the_same_id(
    slow: Slow,
) -> None:
    reply = slow.reply()
    slow.waha.fail_next(1, 500)
    with pytest.raises(DownstreamUnavailable) as failed:
        await slow.deliver(reply, attempt=1)
    assert not isinstance(failed.value, NoAnswer)  # WAHA answered: the call is over
    state = await slow.ledger.part(reply.message_id, 1)
    assert state is not None
    assert state.phase is Phase.UNSENT
    resent = replies("resent_after_failure")
    await slow.deliver(reply, attempt=2)
    [lookup] = slow.waha.calls("getMessage")
    assert lookup.path["messageId"] == f"true_{PERSON}_{state.message_id}"
    [text] = slow.waha.sent_texts
    assert text.body["id"] == state.message_id
    assert replies("resent_after_failure") == resent + 1


async def test_a_proxys_gateway_timeout_leaves_the_send_in_doubt(slow: Slow) -> None:
    reply = slow.reply()
    slow.waha.fail_next(1, 504)
    with pytest.raises(NoAnswer):
        await slow.deliver(reply, attempt=1)
    with pytest.raises(SendInDoubt):
        await slow.deliver(reply, attempt=2)
    assert slow.waha.sent_texts == []
