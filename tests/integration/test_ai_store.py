"""ai over real NATS and the real store (Postgres, seeded parish).

Turns are published on the ``ai`` flow as the router would; replies reach the
WAHA fake through the gateway; ``HandoffRequested`` is read back from the
``handoff`` flow (no handoff service runs here).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import msgspec
import nats
import nats.errors
from nats.aio.client import Client as NATS

from ai.facts import StoreFacts
from ai.responder import SORRY
from ai.topic import CANNOT
from concierge_common import ids
from concierge_common.bus.publisher import Publisher
from concierge_common.bus.rpc import RpcClient
from concierge_common.bus.topology import Topology
from concierge_common.contracts import ai_api
from concierge_common.contracts import store_api as api
from concierge_common.contracts.messages import (
    GenerateReply,
    HandoffRequested,
    MessageReceived,
    SendReply,
)
from support.bus_reading import stored_on
from support.polling import eventually
from support.settling import settled
from support.stack import Stack, running_stack

T = TypeVar("T")
SESSION = "default"
_requested = msgspec.json.Decoder(HandoffRequested)


@dataclass
class Bus:
    stack: Stack
    nc: NATS
    topology: Topology
    rpc: RpcClient
    publisher: Publisher

    def conversation(self, chat: str) -> str:
        return ids.conversation_id(self.stack.env["CONVERSATION_ID_KEY"], SESSION, chat)

    async def user_of(self, chat: str) -> str:
        request = api.SessionOpen(whatsapp_id=chat)
        session = await self.rpc.call(api.SERVICE, api.SESSION_OPEN, request, api.SessionView)
        return session.user_id

    async def ask(self, chat: str, *texts: str, user_id: str = "", service: str = "") -> str:
        inbound = MessageReceived(
            message_id=ids.new_id(),
            conversation_id=self.conversation(chat),
            correlation_id=ids.new_id(),
            session=SESSION,
            chat_id=chat,
            sender_id=chat,
            provider_message_id="false_" + ids.new_id(),
            text=texts[-1],
        )
        turn = GenerateReply(
            message_id=ids.derived_id("router-turn", inbound.message_id),
            conversation_id=inbound.conversation_id,
            correlation_id=inbound.correlation_id,
            inbound=inbound,
            service=service or "RENSEIGNEMENT",
            texts=list(texts),
            user_id=user_id,
        )
        await self.publisher.publish("ai", turn)
        return turn.message_id

    async def texts_to(self, chat: str) -> list[str]:
        return [r.body["text"] for r in self.stack.waha.sent_texts if r.body["chatId"] == chat]

    async def handoff_requests(self, chat: str) -> list[HandoffRequested]:
        subject = self.topology.subject("handoff", self.conversation(chat))
        return await stored_on(self.nc, self.topology.stream, subject, _requested.decode)


@asynccontextmanager
async def ai_over(env: dict[str, str]) -> AsyncIterator[Bus]:
    async with running_stack(env, only=("store", "ai")) as stack:
        nc = await nats.connect(env["NATS_URL"])
        topology = Topology(env["BUS_NAMESPACE"], int(env["BUS_PARTITIONS"]))
        try:
            yield Bus(stack, nc, topology, RpcClient(nc, topology), Publisher(nc, topology))
        finally:
            await nc.close()


async def test_facts_are_the_seeded_infos_valid_at_the_clock(env: dict[str, str]) -> None:
    async with ai_over(env) as bus:
        at = {"now": datetime(2026, 11, 1, 10, tzinfo=UTC)}
        facts = StoreFacts(bus.rpc, ttl_seconds=0.0, clock=lambda: at["now"])
        titles = {fact.title for fact in await facts.facts("RENSEIGNEMENT")}
        assert "Toussaint et prière pour les défunts 2026" in titles
        assert "Messes de Noël 2026" not in titles  # not valid yet
        assert "Messes de l'été 2026" not in titles  # over
        assert "Chorale paroissiale" in titles
        at["now"] = datetime(2026, 12, 10, 10, tzinfo=UTC)
        titles = {fact.title for fact in await facts.facts("RENSEIGNEMENT")}
        assert "Toussaint et prière pour les défunts 2026" not in titles
        assert "Messes de Noël 2026" in titles
        catechese = {fact.title for fact in await facts.facts("CATECHESE")}
        assert "Inscriptions" in catechese
        assert not catechese & titles
        assert await facts.facts("INCONNU") == []


async def test_a_turn_is_answered_from_the_seeded_parish(env: dict[str, str]) -> None:
    chat = "33600000011@c.us"
    async with ai_over(env) as bus:
        await bus.ask(chat, "Bonjour", "je voudrais chanter dans la chorale")
        [answer] = await eventually(lambda: bus.texts_to(chat))
        assert answer.startswith("La chorale anime la messe de 11h")
        await settled(bus.stack)
        assert await bus.handoff_requests(chat) == []


async def test_a_turn_ai_cannot_answer_opens_a_handoff_in_the_store(env: dict[str, str]) -> None:
    chat = "33600000012@c.us"
    async with ai_over(env) as bus:
        user_id = await bus.user_of(chat)
        await bus.ask(chat, "Bonjour", "le curé peut-il bénir ma voiture ?", user_id=user_id)

        [told] = await eventually(lambda: bus.texts_to(chat))
        assert told == SORRY
        [requested] = await eventually(lambda: bus.handoff_requests(chat))
        query = api.HandoffQuery(conversation_id=bus.conversation(chat))
        handoff = await bus.rpc.call(api.SERVICE, api.HANDOFF_FIND, query, api.HandoffView)
        assert (requested.handoff_id, requested.reference) == (handoff.id, handoff.reference)
        assert (handoff.state, handoff.requested_by) == ("requested", "ai")
        assert handoff.reason == "no_matching_information"
        assert (
            handoff.summary == requested.summary == "Bonjour / le curé peut-il bénir ma voiture ?"
        )
        assert (handoff.user_id, handoff.chat_id, handoff.wa_session) == (user_id, chat, SESSION)
        session = await bus.rpc.call(
            api.SERVICE, api.SESSION_GET, api.ById(id=handoff.session_id or ""), api.SessionView
        )
        assert session.status == "handoff"


async def test_a_question_off_the_parishs_subjects_is_answered_without_a_handoff(
    env: dict[str, str],
) -> None:
    chat = "33600000014@c.us"
    async with ai_over(env) as bus:
        await bus.ask(chat, "une pizza margherita svp")
        [told] = await eventually(lambda: bus.texts_to(chat))
        assert told.startswith(CANNOT["fr"])
        assert "Catéchisme des enfants" in told  # what it can do, from the store's services
        await settled(bus.stack)
        assert await bus.handoff_requests(chat) == []


async def test_a_ready_reply_on_the_ai_flow_reaches_whatsapp(env: dict[str, str]) -> None:
    chat = "33600000013@c.us"
    async with ai_over(env) as bus:
        ready = SendReply(
            message_id=ids.new_id(),
            conversation_id=bus.conversation(chat),
            correlation_id=ids.new_id(),
            session=SESSION,
            chat_id=chat,
            text="Une personne de l'accueil vous répond.",
            origin="handoff",
        )
        await bus.publisher.publish("ai", ready)
        assert await eventually(lambda: bus.texts_to(chat)) == [ready.text]


async def test_intent_classify_answers_over_nats(env: dict[str, str]) -> None:
    async with ai_over(env) as bus:
        services = await bus.rpc.call(
            api.SERVICE, api.SERVICE_LIST, api.ListQuery(), list[api.ServiceView]
        )
        offered = [
            ai_api.ServiceChoice(
                name=s.name, description=s.description, keywords=s.trigger_keywords
            )
            for s in services
        ]

        async def classify(text: str) -> str | None:
            request = ai_api.ClassifyRequest(text=text, services=offered)
            result = await bus.rpc.call(
                ai_api.SERVICE, ai_api.CLASSIFY, request, ai_api.ClassifyResult
            )
            return result.service

        assert await classify("je voudrais chanter dans la chorale") == "RENSEIGNEMENT"
        assert await classify("combien coûte l'inscription pour ma fille ?") == "CATECHESE"
        assert await classify("quel temps fera-t-il demain ?") is None
