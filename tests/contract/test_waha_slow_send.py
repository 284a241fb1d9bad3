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
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from concierge_common.contracts.messages import Attachment, Codec, ReplyFailed, ReplySent
from concierge_common.errors import DownstreamUnavailable
from concierge_common.storage.media_storage import LocalMediaStorage
from gateway.outbound import SendOptions
from gateway.send_check import SendInDoubt
from gateway.send_ledger import Phase, SendLedger
from gateway.waha_client import NoAnswer
from support.outbound_harness import OutboundHarness, outbound_harness
from support.stack import WAHA_KEY
from support.waha_hold import HoldingWaha

PERSON = "33600000711@c.us"
TIMEOUT = 0.2  # the client's, so that WAHA's answer comes after it gave up
SENTENCES = [
    "Le baptême se prépare avec l'équipe paroissiale.",
    "Deux rencontres ont lieu avant la célébration.",
    "Merci de prendre contact avec le secrétariat.",
]
SENT_FLOW = Codec(ReplySent, ReplyFailed)


Slow = OutboundHarness[HoldingWaha]


def _options(media: LocalMediaStorage, pauses: list[float]) -> SendOptions:
    return SendOptions(media=media, part_max_chars=60)


@pytest.fixture
async def slow(namespace: str, tmp_path: Path) -> AsyncIterator[Slow]:
    waha = HoldingWaha(api_key=WAHA_KEY)
    harness = outbound_harness(
        namespace, tmp_path, waha, _options, person=PERSON, client_timeout=TIMEOUT
    )
    async with harness as running:
        try:
            yield running
        finally:
            waha.release_all()  # a held send would keep the stand-in from stopping


def ledger(slow: Slow) -> SendLedger:
    return SendLedger(slow.bucket)


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
    state = await ledger(slow).part(reply.message_id, 1)
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
    state = await ledger(slow).part(reply.message_id, 1)
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
