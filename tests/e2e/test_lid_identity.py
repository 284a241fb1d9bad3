"""One person behind "@c.us" and "@lid", through the whole concierge.

A parent proves who they are from their phone id, then writes from their
linked id (WAHA maps it to the phone id): they are the same person, their
verified role follows them, and both ids feed one conversation.
"""

from __future__ import annotations

import asyncpg
import nats
import pytest

from concierge_common import ids
from concierge_common.contracts.messages import Codec, MessageReceived
from support.bus_reading import stored_on
from support.conversation import STAFF_GROUP, Conversation
from support.settling import settled
from support.stack import Stack, running_stack

PHONE = "33612345678@c.us"
LID = "999888777@lid"


@pytest.fixture
def flow_env(env: dict[str, str]) -> dict[str, str]:
    return {**env, "STAFF_CHAT_ID": STAFF_GROUP, "HANDOFF_BUSINESS_HOURS": "mon-sun 00:00-24:00"}


async def inbound_stored(stack: Stack, conversation: str) -> list[MessageReceived]:
    nc = await nats.connect(stack.env["NATS_URL"])
    try:
        subject = stack.topology.subject("inbound", conversation)
        found = await stored_on(nc, stack.topology.stream, subject, Codec(MessageReceived).decode)
    finally:
        await nc.close()
    return [m for m in found if isinstance(m, MessageReceived)]


async def test_a_parent_verified_from_the_phone_id_stays_verified_from_the_linked_id(
    flow_env: dict[str, str],
) -> None:
    async with running_stack(flow_env) as stack:
        stack.waha.lids[LID] = PHONE
        from_phone = Conversation(stack, PHONE)
        await from_phone.send("Bonjour, quel est le groupe de caté de Léa ?")
        assert "code parent" in (await from_phone.expect(1))[0]
        await from_phone.send("mon code : sm-4821")
        assert "bien reconnu" in (await from_phone.expect(3))[1]
        db = await asyncpg.connect(stack.env["DATABASE_URL"])
        try:
            # A new session: what follows the person is their role, not the session's state.
            await db.execute("UPDATE sessions SET status = 'closed', ended_at = now()")
            from_lid = Conversation(stack, LID)
            await from_lid.send("Bonjour, qui est le catéchiste de Léa ?")
            [reply] = await from_lid.expect(1)
            await settled(stack)
            assert len(from_lid.received()) == 1
            assert "Anne Mercier" in reply  # the family's own record, not the code question
            owners = await db.fetch("SELECT DISTINCT user_id FROM user_whatsapp_ids")
            linked = await db.fetch("SELECT whatsapp_id FROM user_whatsapp_ids")
        finally:
            await db.close()
        assert len(owners) == 1
        assert sorted(row["whatsapp_id"] for row in linked) == sorted([LID, PHONE])
        assert len(stack.waha.calls("lidToPhone")) == 1  # the second message read the bucket
        assert stack.waha.invalid == []


async def test_messages_from_both_ids_share_one_conversation(flow_env: dict[str, str]) -> None:
    async with running_stack(flow_env, only=("store",)) as stack:
        stack.waha.lids[LID] = PHONE
        await Conversation(stack, PHONE).send("Bonjour")
        await Conversation(stack, LID).send("C'est encore moi")
        conversation = ids.conversation_id(flow_env["CONVERSATION_ID_KEY"], "default", PHONE)
        stored = await inbound_stored(stack, conversation)
        assert [(m.chat_id, m.aliases) for m in stored] == [(PHONE, []), (LID, [PHONE])]
        assert stack.waha.invalid == []
