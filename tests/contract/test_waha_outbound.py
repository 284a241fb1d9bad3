"""Replies go out to WAHA as WAHA advises, once, and what WAHA refuses is reported.

The real :class:`gateway.outbound.OutboundSender` runs on the real NATS (the
``sent`` bucket and flow) against the WAHA fake, which checks every request
against WAHA's OpenAPI (``waha.invalid`` stays empty).
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from concierge_common import ids
from concierge_common.contracts.messages import Attachment, Codec, ReplyFailed, ReplySent
from concierge_common.errors import DownstreamRejected, DownstreamUnavailable, NotFound
from concierge_common.storage.media_storage import LocalMediaStorage
from concierge_devkit.waha_fake import WahaFake
from gateway.outbound import SendOptions
from gateway.pacing import NO_PAUSE, Pacing
from gateway.send_check import SendInDoubt
from support.outbound_harness import OutboundHarness, outbound_harness
from support.stack import WAHA_KEY

PERSON = "33600000701@c.us"
STAFF_CHAT = "120363000000000701@g.us"
PART_MAX = 60
SENT_FLOW = Codec(ReplySent, ReplyFailed)
HUMANE = ["sendSeen", "startTyping", "stopTyping", "sendText"]


Outbound = OutboundHarness[WahaFake]


def _options(media: LocalMediaStorage, pauses: list[float]) -> SendOptions:
    async def pause(seconds: float) -> None:
        pauses.append(seconds)

    pacing = Pacing(
        chars_per_second=10, min_seconds=1, max_seconds=5, jitter_seconds=0, sleep=pause
    )
    return SendOptions(
        pacing=pacing, media=media, part_max_chars=PART_MAX, staff_chat_id=STAFF_CHAT
    )


@pytest.fixture
async def outbound(namespace: str, tmp_path: Path) -> AsyncIterator[Outbound]:
    waha = WahaFake(api_key=WAHA_KEY)
    async with outbound_harness(namespace, tmp_path, waha, _options, person=PERSON) as harness:
        yield harness


def replies(result: str) -> float:
    value = REGISTRY.get_sample_value("concierge_gateway_replies_total", {"result": result})
    return value or 0.0


def send_failures(reason: str, origin: str) -> float:
    labels = {"reason": reason, "origin": origin}
    return REGISTRY.get_sample_value("concierge_gateway_send_failures_total", labels) or 0.0


async def test_a_reply_to_a_person_is_seen_typed_then_sent(outbound: Outbound) -> None:
    reply = outbound.reply("Bonjour ! La messe est à 10 h 30.")
    await outbound.deliver(reply)
    assert outbound.endpoints() == HUMANE
    [seen], [typing], [text] = (outbound.waha.calls(e) for e in HUMANE[:2] + HUMANE[3:])
    assert seen.body["messageIds"] == [reply.in_reply_to_provider_id]
    assert typing.body == {"session": "default", "chatId": PERSON}
    assert outbound.pauses == [pytest.approx(3.3)]  # 33 characters at 10 per second
    [event] = await outbound.events(reply)
    assert isinstance(event, ReplySent)
    assert event.provider_message_id == f"true_{PERSON}_{text.body['id']}"
    assert event.provider_message_ids == [event.provider_message_id]


async def test_the_events_say_when_what_the_reply_answers_was_written(
    outbound: Outbound,
) -> None:
    """The store checks it against an erasure of the person (a notice: when it was made)."""
    answer = outbound.reply("Dimanche à 11 h.", in_reply_to_at=1_800_000_000.0)
    notice = outbound.reply("Un membre de l'accueil va vous répondre.")
    outbound.waha.fail_next(1, 463)
    with pytest.raises(DownstreamRejected):
        await outbound.deliver(notice)
    await outbound.deliver(answer)
    events = {event.reply_id: event for event in await outbound.events(answer)}
    assert isinstance(events[notice.message_id], ReplyFailed)
    assert events[notice.message_id].in_reply_to_at == notice.created_at
    assert isinstance(events[answer.message_id], ReplySent)
    assert events[answer.message_id].in_reply_to_at == 1_800_000_000.0


async def test_with_the_pauses_configured_off_no_typing_is_shown(
    namespace: str, tmp_path: Path
) -> None:
    def unpaced(media: LocalMediaStorage, pauses: list[float]) -> SendOptions:
        return SendOptions(pacing=NO_PAUSE, media=media, staff_chat_id=STAFF_CHAT)

    waha = WahaFake(api_key=WAHA_KEY)
    async with outbound_harness(namespace, tmp_path, waha, unpaced, person=PERSON) as harness:
        await harness.deliver(harness.reply("La messe est à 10 h 30."))
        assert harness.endpoints() == ["sendSeen", "sendText"]


async def test_the_persons_message_is_marked_read_only_when_its_id_is_known(
    outbound: Outbound,
) -> None:
    await outbound.deliver(outbound.reply(in_reply_to_provider_id=""))
    assert outbound.endpoints() == ["startTyping", "stopTyping", "sendText"]


async def test_a_long_reply_goes_out_in_parts_in_order_each_typed(outbound: Outbound) -> None:
    sentences = [
        "Le baptême se prépare avec l'équipe paroissiale.",
        "Deux rencontres ont lieu avant la célébration.",
        "Merci de prendre contact avec le secrétariat.",
    ]
    reply = outbound.reply(" ".join(sentences))
    await outbound.deliver(reply)
    assert outbound.texts() == sentences
    assert outbound.endpoints() == HUMANE[:1] + HUMANE[1:] * 3
    assert len(outbound.pauses) == 3
    [event] = await outbound.events(reply)
    assert isinstance(event, ReplySent)
    ids_sent = [f"true_{PERSON}_{r.body['id']}" for r in outbound.waha.sent_texts]
    assert event.provider_message_ids == ids_sent
    assert event.provider_message_id == ids_sent[0]
    assert event.text == reply.text


async def test_a_redelivered_reply_is_not_sent_again(outbound: Outbound) -> None:
    reply = outbound.reply("Première phrase assez longue pour un message. Et une seconde.")
    await outbound.deliver(reply)
    skipped = replies("duplicate_skipped")
    await outbound.deliver(reply, attempt=2)
    assert len(outbound.texts()) == 2
    assert replies("duplicate_skipped") == skipped + 1
    [event] = await outbound.events(reply)  # the same id: JetStream keeps one
    assert isinstance(event, ReplySent)
    assert len(event.provider_message_ids) == 2


async def test_an_interrupted_send_found_in_waha_is_confirmed_not_resent(
    outbound: Outbound,
) -> None:
    reply = outbound.reply()
    await outbound.bucket.put(f"{reply.message_id}.1", b"sending:3EB0CRASHED")
    waha_id = f"true_{PERSON}_3EB0CRASHED"
    outbound.waha.add_history(PERSON, {"id": waha_id, "timestamp": 1, "fromMe": True})
    confirmed = replies("confirmed")
    await outbound.deliver(reply, attempt=2)
    assert outbound.waha.sent_texts == []
    [lookup] = outbound.waha.calls("getMessage")
    assert lookup.path["messageId"] == waha_id
    assert replies("confirmed") == confirmed + 1
    [event] = await outbound.events(reply)
    assert isinstance(event, ReplySent)
    assert event.provider_message_id == waha_id


async def test_an_interrupted_send_unknown_to_waha_is_not_sent_again(
    outbound: Outbound,
) -> None:
    """The gateway died during the call: WAHA may still send it (gateway.send_check)."""
    reply = outbound.reply()
    await outbound.bucket.put(f"{reply.message_id}.1", b"sending:3EB0LOST")
    not_confirmed = replies("not_confirmed")
    with pytest.raises(SendInDoubt):
        await outbound.deliver(reply, attempt=2)
    assert outbound.waha.sent_texts == []
    assert outbound.waha.calls("newMessageId") == []
    assert replies("not_confirmed") == not_confirmed + 1
    assert await outbound.events(reply) == []


async def test_an_interrupted_send_waha_cannot_look_up_is_not_sent_again(
    outbound: Outbound,
) -> None:
    reply = outbound.reply()
    await outbound.bucket.put(f"{reply.message_id}.1", b"sending:3EB0UNKNOWN")
    outbound.waha.fail_next(1, 400, endpoint="getMessage")
    outbound.waha.fail_next(1, 400, endpoint="chatMessages")
    with pytest.raises(SendInDoubt):
        await outbound.deliver(reply, attempt=2)
    assert outbound.waha.sent_texts == []


async def test_a_retry_after_the_first_part_sends_only_the_rest(outbound: Outbound) -> None:
    reply = outbound.reply("Première phrase assez longue pour un message. Et une seconde.")
    first = f"true_{PERSON}_3EB0FIRST"
    await outbound.bucket.put(f"{reply.message_id}.1", f"sent:{first}".encode())
    await outbound.deliver(reply, attempt=2)
    assert outbound.texts() == ["Et une seconde."]
    assert "sendSeen" not in outbound.endpoints()
    [event] = await outbound.events(reply)
    assert isinstance(event, ReplySent)
    assert event.provider_message_ids[0] == first
    assert len(event.provider_message_ids) == 2


async def test_staff_chat_messages_and_staff_answers_are_sent_directly(
    outbound: Outbound,
) -> None:
    await outbound.deliver(outbound.reply("🔔 Nouvelle demande", chat_id=STAFF_CHAT))
    await outbound.deliver(outbound.reply("Bonjour, ici Anne.", origin="staff"))
    assert outbound.endpoints() == ["sendText", "sendText"]
    assert outbound.pauses == []


async def test_seen_and_typing_failures_do_not_stop_the_reply(outbound: Outbound) -> None:
    outbound.waha.fail_next(1, 500, endpoint="sendSeen")
    outbound.waha.fail_next(1, 422, endpoint="startTyping")
    await outbound.deliver(outbound.reply())
    assert outbound.endpoints() == ["stopTyping", "sendText"]


@pytest.mark.parametrize("status", [404, 501])
async def test_without_pre_generated_ids_the_text_is_sent_without_one(
    outbound: Outbound, status: int
) -> None:
    outbound.waha.fail_next(1, status, endpoint="newMessageId")
    await outbound.deliver(outbound.reply())
    [text] = outbound.waha.sent_texts
    assert "id" not in text.body


async def test_a_session_not_working_is_left_to_the_bus_retries(outbound: Outbound) -> None:
    reply = outbound.reply()
    outbound.waha.fail_next(1, 422, {"error": "Session status is not as expected."})
    with pytest.raises(DownstreamUnavailable):
        await outbound.deliver(reply)
    assert await outbound.events(reply) == []
    await outbound.deliver(reply, attempt=2)
    assert len(outbound.waha.sent_texts) == 1


@pytest.mark.parametrize(("status", "reason"), [(463, "timelock"), (400, "rejected")])
async def test_a_refused_reply_is_reported_counted_and_not_retried(
    outbound: Outbound, status: int, reason: str
) -> None:
    reply = outbound.reply()
    outbound.waha.fail_next(1, status)
    failures = send_failures(reason, "ai")
    with pytest.raises(DownstreamRejected):
        await outbound.deliver(reply)
    [event] = await outbound.events(reply)
    assert isinstance(event, ReplyFailed)
    assert event.message_id == ids.derived_id("gateway-failed", reply.message_id)
    assert (event.reply_id, event.chat_id, event.text) == (reply.message_id, PERSON, reply.text)
    assert (event.status, event.reason, event.origin) == (status, reason, "ai")
    assert send_failures(reason, "ai") == failures + 1


async def test_an_attachment_is_sent_as_a_file_with_the_text_as_caption(
    outbound: Outbound,
) -> None:
    data = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    await outbound.media.put("out/bapteme.ics", data, "text/calendar")
    attachment = Attachment(
        storage_key="out/bapteme.ics", mimetype="text/calendar", filename="bapteme.ics"
    )
    reply = outbound.reply("Voici le rendez-vous.", attachment=attachment)
    await outbound.deliver(reply)
    await outbound.deliver(reply, attempt=2)
    assert outbound.endpoints() == ["sendSeen", "startTyping", "stopTyping", "sendFile"]
    [sent] = outbound.waha.calls("sendFile")
    assert sent.body["caption"] == "Voici le rendez-vous."
    assert sent.body["file"]["filename"] == "bapteme.ics"
    assert base64.b64decode(sent.body["file"]["data"]) == data
    [event] = await outbound.events(reply)
    assert isinstance(event, ReplySent)
    assert event.attachment == attachment
    assert event.provider_message_id.startswith(f"true_{PERSON}_")


async def test_a_missing_attachment_is_reported_as_undeliverable(outbound: Outbound) -> None:
    attachment = Attachment(storage_key="out/absent.ics", mimetype="text/calendar", filename="a")
    reply = outbound.reply("Voici le rendez-vous.", attachment=attachment)
    with pytest.raises(NotFound):
        await outbound.deliver(reply)
    [event] = await outbound.events(reply)
    assert isinstance(event, ReplyFailed)
    assert event.reason == "attachment_missing"
    assert outbound.waha.calls("sendFile") == []
