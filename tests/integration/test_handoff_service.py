"""The handoff service over real NATS and the real store (Postgres, seeded parish).

Messages for the staff chat go ``outbound`` and reach the WAHA fake through
the gateway; messages for the person go on their ``ai`` flow (no ai service
runs here), read back from the stream. The person's texts come from the
seeded CONTACT_HUMAIN prompts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import msgspec
import nats
import nats.errors
import pytest
from nats.aio.client import Client as NATS

from concierge_common import ids
from concierge_common import settings as settings_module
from concierge_common.bus.publisher import Publisher
from concierge_common.bus.rpc import RpcClient
from concierge_common.bus.topology import Topology
from concierge_common.contracts import handoff_api
from concierge_common.contracts import store_api as api
from concierge_common.contracts.messages import (
    HandoffRequested,
    MessageReceived,
    RelayToStaff,
    SendReply,
    StaffMessageReceived,
)
from concierge_common.errors import Conflict
from handoff.service import HandoffService
from handoff.settings import HandoffSettings
from store.seed import load as load_seed
from support.bus_reading import stored_on
from support.polling import eventually
from support.settling import settled
from support.stack import Stack, running_stack

T = TypeVar("T")
SESSION = "default"
STAFF_CHAT = "120363999999999999@g.us"
ALWAYS_OPEN = "mon-sun 00:00-24:00"
PROMPTS = next(s for s in load_seed().services if s.name == "CONTACT_HUMAIN").context.prompts
_reply_decoder = msgspec.json.Decoder(SendReply)


@dataclass
class Desk:
    """A test's hands on the bus and the store, beside the running stack."""

    stack: Stack
    nc: NATS
    topology: Topology
    rpc: RpcClient
    publisher: Publisher

    async def open_handoff(self, chat: str, summary: str = "Je voudrais parler au curé") -> Any:
        session = await self.rpc.call(
            api.SERVICE, api.SESSION_OPEN, api.SessionOpen(whatsapp_id=chat), api.SessionView
        )
        request = api.HandoffOpen(
            conversation_id=self.conversation(chat),
            user_id=session.user_id,
            wa_session=SESSION,
            chat_id=chat,
            reason="person_asked",
            requested_by="person",
            summary=summary,
        )
        return await self.rpc.call(api.SERVICE, api.HANDOFF_OPEN, request, api.HandoffView)

    def conversation(self, chat: str) -> str:
        return ids.conversation_id(self.stack.env["CONVERSATION_ID_KEY"], SESSION, chat)

    async def handoff(self, handoff_id: str) -> api.HandoffView:
        request = api.ById(id=handoff_id)
        return await self.rpc.call(api.SERVICE, api.HANDOFF_GET, request, api.HandoffView)

    async def request_alert(self, handoff: api.HandoffView, push_name: str = "Marie") -> None:
        inbound = self.inbound(handoff.chat_id, handoff.summary, push_name=push_name)
        await self.publisher.publish(
            "handoff",
            HandoffRequested(
                message_id=ids.derived_id("router-handoff", inbound.message_id),
                conversation_id=handoff.conversation_id,
                correlation_id=inbound.correlation_id,
                inbound=inbound,
                reason=handoff.reason,
                requested_by=handoff.requested_by,
                handoff_id=handoff.id,
                reference=handoff.reference,
                summary=handoff.summary,
            ),
        )

    async def person_writes(self, chat: str, text: str, *, cancel: bool = False) -> None:
        inbound = self.inbound(chat, text)
        await self.publisher.publish(
            "handoff",
            RelayToStaff(
                message_id=ids.derived_id("router-relay", inbound.message_id),
                conversation_id=inbound.conversation_id,
                correlation_id=inbound.correlation_id,
                inbound=inbound,
                cancel=cancel,
            ),
        )

    async def staff_writes(self, text: str, push_name: str = "Paul") -> None:
        inbound = self.inbound(STAFF_CHAT, text, push_name=push_name)
        await self.publisher.publish(
            "handoff",
            StaffMessageReceived(
                message_id=ids.derived_id("router-desk", inbound.message_id),
                conversation_id=inbound.conversation_id,
                correlation_id=inbound.correlation_id,
                inbound=inbound,
            ),
        )

    def inbound(self, chat: str, text: str, push_name: str = "Marie") -> MessageReceived:
        return MessageReceived(
            message_id=ids.new_id(),
            conversation_id=self.conversation(chat),
            correlation_id=ids.new_id(),
            session=SESSION,
            chat_id=chat,
            sender_id=chat,
            provider_message_id="false_" + ids.new_id(),
            text=text,
            push_name=push_name,
        )

    def staff_texts(self) -> list[str]:
        sent = self.stack.waha.sent_texts
        return [r.body["text"] for r in sent if r.body["chatId"] == STAFF_CHAT]

    async def person_texts(self, chat: str) -> list[SendReply]:
        """What was stored on the person's ``ai`` flow, oldest first."""
        subject = self.topology.subject("ai", self.conversation(chat))
        return await stored_on(self.nc, self.topology.stream, subject, _reply_decoder.decode)


@asynccontextmanager
async def desk_over(env: dict[str, str], **extra: str) -> AsyncIterator[Desk]:
    settings = {
        "STAFF_CHAT_ID": STAFF_CHAT,
        "HANDOFF_BUSINESS_HOURS": ALWAYS_OPEN,
        "HANDOFF_SWEEP_SECONDS": "0.2",
        **extra,
    }
    async with running_stack({**env, **settings}, only=("store", "handoff")) as stack:
        nc = await nats.connect(env["NATS_URL"])
        topology = Topology(env["BUS_NAMESPACE"], int(env["BUS_PARTITIONS"]))
        try:
            yield Desk(stack, nc, topology, RpcClient(nc, topology), Publisher(nc, topology))
        finally:
            await nc.close()


async def test_a_handoff_alerts_staff_and_tells_the_person_with_the_store_prompt(
    env: dict[str, str],
) -> None:
    async with desk_over(env) as desk:
        handoff = await desk.open_handoff("33600000001@c.us", "Je voudrais parler au curé")
        await desk.request_alert(handoff, push_name="Marie")

        [alert] = await eventually(lambda: _as_async(desk.staff_texts()))
        assert f"Nouvelle demande {handoff.reference}" in alert
        assert "De : Marie" in alert
        assert "Message : Je voudrais parler au curé" in alert
        assert "33600000001" not in alert
        [told] = await eventually(lambda: desk.person_texts("33600000001@c.us"))
        assert told.text == PROMPTS["handoff_started"]
        assert (told.chat_id, told.origin) == ("33600000001@c.us", "handoff")


async def test_out_of_hours_the_person_gets_the_outside_hours_prompt(env: dict[str, str]) -> None:
    today = datetime.now(ZoneInfo("Europe/Paris")).weekday()
    other_day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[(today + 3) % 7]
    async with desk_over(env, HANDOFF_BUSINESS_HOURS=f"{other_day} 09:00-12:00") as desk:
        handoff = await desk.open_handoff("33600000002@c.us")
        await desk.request_alert(handoff)

        [told] = await eventually(lambda: desk.person_texts("33600000002@c.us"))
        assert told.text == PROMPTS["outside_hours"]


async def test_messages_are_relayed_both_ways(env: dict[str, str]) -> None:
    chat = "33600000003@c.us"
    async with desk_over(env) as desk:
        handoff = await desk.open_handoff(chat)
        ref = handoff.reference
        await desk.person_writes(chat, "C'est pour un baptême")
        await eventually(
            lambda: _as_async(f"[{ref}] Marie : C'est pour un baptême" in desk.staff_texts())
        )

        await desk.staff_writes(f"{ref.lower()} Avec plaisir, quelle date ?")

        [reply] = await eventually(lambda: desk.person_texts(chat))
        assert (reply.text, reply.origin) == ("Avec plaisir, quelle date ?", "staff")
        after = await desk.handoff(handoff.id)
        assert (after.state, after.assigned_to) == ("active", "Paul")
        assert after.last_person_at is not None
        assert after.first_staff_reply_at is not None


async def test_staff_fin_returns_the_conversation_to_the_bot(env: dict[str, str]) -> None:
    chat = "33600000004@c.us"
    async with desk_over(env) as desk:
        handoff = await desk.open_handoff(chat)

        await desk.staff_writes(f"{handoff.reference} fin")

        [ended] = await eventually(lambda: desk.person_texts(chat))
        assert ended.text == PROMPTS["handoff_ended"]
        after = await desk.handoff(handoff.id)
        assert after.state == "returned"
        expected = f"[{handoff.reference}] Conversation rendue à l'assistant par Paul."
        await eventually(lambda: _as_async(expected in desk.staff_texts()))


async def test_desk_rpc_returns_to_the_bot_then_refuses_with_a_conflict(
    env: dict[str, str],
) -> None:
    chat = "33600000005@c.us"
    async with desk_over(env) as desk:
        handoff = await desk.open_handoff(chat)
        action = handoff_api.DeskAction(id=handoff.id, staff="Paul")

        returned = await desk.rpc.call(
            handoff_api.SERVICE, handoff_api.DESK_RETURN, action, api.HandoffView
        )
        with pytest.raises(Conflict):
            await desk.rpc.call(
                handoff_api.SERVICE, handoff_api.DESK_RETURN, action, api.HandoffView
            )

        assert returned.state == "returned"
        [ended] = await eventually(lambda: desk.person_texts(chat))
        assert ended.text == PROMPTS["handoff_ended"]
        found = await desk.rpc.call(
            handoff_api.SERVICE, handoff_api.DESK_GET, action, handoff_api.DeskHandoff
        )
        assert found.events[-1].actor == "api:Paul"


async def test_desk_rpc_reply_with_a_request_id_reaches_the_person_once(
    env: dict[str, str],
) -> None:
    chat = "33600000006@c.us"
    async with desk_over(env) as desk:
        handoff = await desk.open_handoff(chat)
        request = handoff_api.DeskReply(
            id=handoff.id, text="Bonjour", staff="Paul", request_id="r1"
        )

        for _ in range(2):
            await desk.rpc.call(
                handoff_api.SERVICE, handoff_api.DESK_REPLY, request, api.HandoffView
            )

        copy = f"[{handoff.reference}] Réponse de Paul (console) : Bonjour"
        await eventually(lambda: _as_async(copy in desk.staff_texts()))
        await settled(desk.stack)
        assert [r.text for r in await desk.person_texts(chat)] == ["Bonjour"]


async def test_an_idle_handoff_returns_to_the_bot_by_timeout(env: dict[str, str]) -> None:
    chat = "33600000007@c.us"
    async with desk_over(env, HANDOFF_IDLE_SECONDS="1") as desk:
        handoff = await desk.open_handoff(chat)
        await desk.staff_writes(f"{handoff.reference} Je regarde et je reviens vers vous")

        async def returned() -> bool:
            return (await desk.handoff(handoff.id)).state == "returned"

        await eventually(returned)
        events = await desk.rpc.call(
            api.SERVICE, api.HANDOFF_EVENTS, api.ById(id=handoff.id), list[api.HandoffEventView]
        )
        assert events[-1].actor == "timeout"
        texts = [r.text for r in await eventually(lambda: _at_least(desk, chat, 2))]
        assert texts == ["Je regarde et je reviens vers vous", PROMPTS["handoff_ended"]]


class SweepCount:
    """Counts the sweeps a handoff service's timer runs (its sweeper's ``sweep``, wrapped)."""

    def __init__(self, service: HandoffService, monkeypatch: pytest.MonkeyPatch) -> None:
        sweeper = service._sweeper
        assert sweeper is not None, "the service is not started"
        original = sweeper.sweep
        self.started = 0
        self.finished = 0

        async def counted() -> None:
            self.started += 1
            try:
                await original()
            finally:
                self.finished += 1

        monkeypatch.setattr(sweeper, "sweep", counted)


async def test_the_no_staff_notice_is_sent_once_with_two_replicas(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = "33600000008@c.us"
    async with desk_over(env, HANDOFF_NO_STAFF_SECONDS="0") as desk:
        extra = {
            **desk.stack.env,
            "STAFF_CHAT_ID": STAFF_CHAT,
            "HANDOFF_BUSINESS_HOURS": ALWAYS_OPEN,
            "HANDOFF_SWEEP_SECONDS": "0.2",
            "HANDOFF_NO_STAFF_SECONDS": "0",
        }
        second = HandoffService(settings_module.load(HandoffSettings, extra), health_port=0)
        await second.start()
        try:
            [first] = [s for s in desk.stack.services if isinstance(s, HandoffService)]
            sweeps = [SweepCount(replica, monkeypatch) for replica in (first, second)]
            handoff = await desk.open_handoff(chat)

            async def noticed() -> bool:
                return (await desk.handoff(handoff.id)).notice_sent_at is not None

            await eventually(noticed)
            # Two more sweeps of each replica, both begun after the notice was recorded
            # (a sweep in progress may have read the handoff before).
            begun = [count.started for count in sweeps]

            async def swept_twice_more() -> bool:
                return all(c.finished >= b + 2 for c, b in zip(sweeps, begun, strict=True))

            await eventually(swept_twice_more)
        finally:
            await second.stop()

        notices = await desk.person_texts(chat)
        assert len(notices) == 1
        assert "votre demande reste bien en attente" in notices[0].text
        assert (await desk.handoff(handoff.id)).state == "requested"


async def test_a_wrong_reference_and_unknown_text_get_answers_in_the_staff_chat(
    env: dict[str, str],
) -> None:
    async with desk_over(env) as desk:
        await desk.staff_writes("HZZZZ bonjour")
        await desk.staff_writes("qui s'occupe de la demande d'hier ?")

        texts = await eventually(
            lambda: _as_async(desk.staff_texts() if len(desk.staff_texts()) >= 2 else None)
        )
        assert texts[0] == "Aucune demande HZZZZ. Tapez « liste » pour voir les demandes ouvertes."
        assert texts[1].startswith("Je n'ai pas compris ce message.")


async def _as_async(value: T) -> T:
    return value


async def _at_least(desk: Desk, chat: str, count: int) -> list[SendReply] | None:
    found = await desk.person_texts(chat)
    return found if len(found) >= count else None
