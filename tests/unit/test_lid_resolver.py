"""One person behind "@c.us" and "@lid": the gateway resolves a linked id to the phone id.

Against the WAHA fake (validating each request against WAHA's OpenAPI) and an
in-memory stand-in of the ``wa_lids`` bucket that refuses keys NATS would refuse.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import msgspec
import pytest
from prometheus_client import REGISTRY

from concierge_common import ids
from concierge_common.contracts.messages import MessageReceived, OperatorMessageSeen
from concierge_common.ids import lid_key
from concierge_devkit.waha_fake import WahaFake
from gateway.identity import LidResolver
from gateway.waha_client import WahaClient
from support.manual_clock import ManualClock
from support.memory_kv import MemoryBucket, check_key

KEY = "test-conversation-key-of-at-least-32-bytes"
SESSION = "default"
LID = "999888777@lid"
PHONE = "33612345678@c.us"
STAFF_GROUP = "120363041111111111@g.us"


@dataclass
class Setup:
    waha: WahaFake
    bucket: MemoryBucket
    clock: ManualClock
    resolver: LidResolver


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    waha = WahaFake(api_key="k", session=SESSION)
    client = WahaClient("http://waha", "k", transport=httpx.ASGITransport(app=waha.app()))
    bucket = MemoryBucket("wa_lids")
    clock = ManualClock(1_000_000.0)
    resolver = LidResolver(client, bucket, conversation_key=KEY, clock=clock)  # type: ignore[arg-type]
    yield Setup(waha, bucket, clock, resolver)
    await client.aclose()
    assert waha.invalid == []


def received(chat: str, sender: str = "") -> MessageReceived:
    return MessageReceived(
        message_id="m1",
        conversation_id=ids.conversation_id(KEY, SESSION, chat),
        correlation_id="c1",
        session=SESSION,
        chat_id=chat,
        sender_id=sender or chat,
        provider_message_id=f"false_{chat}_AAA",
        text="Bonjour",
    )


def lookups(result: str) -> float:
    value = REGISTRY.get_sample_value("concierge_gateway_lid_lookups_total", {"result": result})
    return value or 0.0


async def test_a_linked_id_gets_its_phone_id_as_alias_and_the_phones_conversation(
    setup: Setup,
) -> None:
    setup.waha.lids[LID] = PHONE
    enriched = await setup.resolver.enrich(received(LID))
    assert isinstance(enriched, MessageReceived)
    assert enriched.aliases == [PHONE]
    assert enriched.conversation_id == received(PHONE).conversation_id
    assert enriched.chat_id == LID  # replies go back to the chat the person wrote from
    assert enriched.sender_id == LID


async def test_a_second_message_is_answered_from_the_bucket_with_one_waha_call(
    setup: Setup,
) -> None:
    setup.waha.lids[LID] = PHONE
    resolved, cached = lookups("resolved"), lookups("cached")
    message = received(LID)
    first = await setup.resolver.enrich(message)
    second = await setup.resolver.enrich(message)
    assert first == second
    assert isinstance(second, MessageReceived)
    assert second.aliases == [PHONE]
    assert len(setup.waha.calls("lidToPhone")) == 1
    assert setup.bucket.values == {lid_key(LID): PHONE.encode()}
    assert (lookups("resolved") - resolved, lookups("cached") - cached) == (1, 1)


async def test_a_linked_id_waha_does_not_know_stays_itself_and_is_asked_again_later(
    setup: Setup,
) -> None:
    unknown = lookups("unknown")
    message = received(LID)
    assert await setup.resolver.enrich(message) == message
    assert await setup.resolver.enrich(message) == message  # remembered as unknown
    assert len(setup.waha.calls("lidToPhone")) == 1
    assert lookups("unknown") - unknown == 1
    setup.waha.lids[LID] = PHONE
    setup.clock.now += 7 * 3600  # past the shorter recheck period of an unknown id
    enriched = await setup.resolver.enrich(message)
    assert isinstance(enriched, MessageReceived)
    assert enriched.aliases == [PHONE]
    assert len(setup.waha.calls("lidToPhone")) == 2


@pytest.mark.parametrize("status", [500, 503, 400])
async def test_waha_failing_never_blocks_the_message_nor_is_remembered(
    setup: Setup, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    setup.waha.lids[LID] = PHONE
    setup.waha.fail_next(1, status, endpoint="lidToPhone")
    failed = lookups("failed")
    message = received(LID)
    assert await setup.resolver.enrich(message) == message
    assert lookups("failed") - failed == 1
    assert setup.bucket.values == {}
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert warnings
    assert all("999888777" not in r.getMessage() for r in warnings)
    enriched = await setup.resolver.enrich(message)  # WAHA back: resolved this time
    assert isinstance(enriched, MessageReceived)
    assert enriched.aliases == [PHONE]


async def test_phone_ids_and_the_staff_group_are_left_untouched(setup: Setup) -> None:
    setup.waha.lids[LID] = PHONE
    from_phone = received(PHONE)
    from_staff = received(STAFF_GROUP, sender=LID)  # a staff member shown by a linked id
    assert await setup.resolver.enrich(from_phone) == from_phone
    assert await setup.resolver.enrich(from_staff) == from_staff
    assert setup.waha.calls("lidToPhone") == []


async def test_a_takeover_from_the_phone_lands_on_the_persons_conversation(setup: Setup) -> None:
    setup.waha.lids[LID] = PHONE
    seen = OperatorMessageSeen(
        message_id="op1",
        conversation_id=ids.conversation_id(KEY, SESSION, LID),
        correlation_id="c",
        session=SESSION,
        chat_id=LID,
        provider_message_id="true_x_1",
        text="Bonjour, ici Anne",
    )
    enriched = await setup.resolver.enrich(seen)
    assert enriched.conversation_id == received(PHONE).conversation_id
    assert enriched.chat_id == LID
    assert enriched.aliases == [PHONE]  # the store finds the user owning the phone id


async def test_an_alias_already_carried_is_not_added_twice(setup: Setup) -> None:
    setup.waha.lids[LID] = PHONE
    message = msgspec.structs.replace(received(LID), aliases=[PHONE])
    enriched = await setup.resolver.enrich(message)
    assert isinstance(enriched, MessageReceived)
    assert enriched.aliases == [PHONE]


def test_bucket_keys_only_hold_characters_nats_allows_and_stay_distinct() -> None:
    keys = {lid_key(value) for value in (LID, "999888777=40lid", "a.b@lid", "a_b@lid")}
    assert len(keys) == 4
    for key in keys:
        check_key(key)
