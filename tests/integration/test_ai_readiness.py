"""ai is ready only when it can answer: not while its answerer warms up, and at once after.

The ai service runs over real NATS and the real store (seeded parish), with the
real embedder around a topic model whose loader the test lets finish
(:mod:`support.gated_model`): no real model is loaded. Its readiness is read where
operators read it, ``/readyz`` and the heartbeat in the health bucket; a turn is
published on the ``ai`` flow as the router would, and its reply read from the
WAHA fake.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import nats
import pytest
from nats.aio.client import Client as NATS

from ai.embeddings import E5Embedder
from ai.service import AiService
from ai.settings import AiSettings
from concierge_common import ids
from concierge_common import settings as settings_module
from concierge_common.bus.heartbeat import Heartbeat, HeartbeatReader
from concierge_common.bus.publisher import Publisher
from concierge_common.bus.runtime import Subscription
from concierge_common.contracts.messages import GenerateReply, MessageReceived
from support.gated_model import GatedLoader
from support.polling import eventually, guarded
from support.stack import Stack, running_stack

TOPICS = {"chorale": ("chorale", "chanter", "choriste")}
CHAT = "33600000021@c.us"
QUESTION = "je voudrais chanter dans la chorale"


class Starting:
    """The ai service of a test, its start running as a task, and what it consumed when."""

    def __init__(self, service: AiService, loader: GatedLoader) -> None:
        self.service = service
        self.loader = loader
        self.consumed_with_model_loaded: list[bool] = []  # one entry per runtime.consume call
        original = service.runtime.consume

        async def consume(*subscriptions: Subscription) -> None:
            self.consumed_with_model_loaded.append(loader.gate.is_set() and loader.calls == 1)
            await original(*subscriptions)

        service.runtime.consume = consume  # type: ignore[method-assign]
        self.task = asyncio.create_task(service.start())

    async def readyz(self) -> httpx.Response:
        port = self.service.runtime.health_port
        async with httpx.AsyncClient() as client:
            return await client.get(f"http://127.0.0.1:{port}/readyz")


@pytest.fixture
async def stack(env: dict[str, str]) -> AsyncIterator[Stack]:
    async with running_stack(env, only=("store",)) as running:
        yield running


@pytest.fixture
async def ai(stack: Stack) -> AsyncIterator[Starting]:
    loader = GatedLoader(TOPICS)
    embedder = E5Embedder(threads=1, loader=loader)
    settings = settings_module.load(AiSettings, stack.env)
    starting = Starting(AiService(settings, health_port=0, embedder=embedder), loader)
    try:
        yield starting
    finally:
        loader.gate.set()  # a failed test must not leave the start waiting for the model
        await guarded(asyncio.gather(starting.task, return_exceptions=True), "the ai's start")
        await guarded(starting.service.stop(), "the ai's stop")
        embedder.close()


@pytest.fixture
async def nc(stack: Stack) -> AsyncIterator[NATS]:
    client = await nats.connect(stack.env["NATS_URL"])
    yield client
    await client.close()


async def _heartbeat_of_ai(nc: NATS, stack: Stack) -> Heartbeat | None:
    reader = HeartbeatReader(nc, stack.topology.health_bucket, max_age=60.0, cache_seconds=0.0)
    return next((beat for beat in await reader.fresh() if beat.service == "ai"), None)


async def _ask(stack: Stack, nc: NATS, text: str) -> None:
    conversation = ids.conversation_id(stack.env["CONVERSATION_ID_KEY"], "default", CHAT)
    inbound = MessageReceived(
        message_id=ids.new_id(),
        conversation_id=conversation,
        correlation_id=ids.new_id(),
        session="default",
        chat_id=CHAT,
        sender_id=CHAT,
        provider_message_id="false_" + ids.new_id(),
        text=text,
    )
    turn = GenerateReply(
        message_id=ids.derived_id("router-turn", inbound.message_id),
        conversation_id=conversation,
        correlation_id=inbound.correlation_id,
        inbound=inbound,
        service="RENSEIGNEMENT",
        texts=[text],
    )
    await Publisher(nc, stack.topology).publish("ai", turn)


def _texts_to_chat(stack: Stack) -> list[str]:
    return [call.body["text"] for call in stack.waha.sent_texts if call.body["chatId"] == CHAT]


async def test_ai_is_not_ready_and_takes_no_turn_while_its_answerer_warms_up(
    ai: Starting, stack: Stack, nc: NATS
) -> None:
    await guarded(ai.loader.entered.wait(), "the model load")

    response = await ai.readyz()
    assert response.status_code == 503
    assert response.json()["checks"]["answerer"] == "failing"
    assert response.json()["checks"]["nats"] == "ok"
    beat = await eventually(lambda: _heartbeat_of_ai(nc, stack))
    assert not beat.ready
    assert beat.checks["answerer"] is False
    assert ai.consumed_with_model_loaded == []  # no consumer yet: turns wait in the stream


async def test_a_turn_sent_as_soon_as_ai_is_ready_is_answered_without_loading_anything(
    ai: Starting, stack: Stack, nc: NATS
) -> None:
    await guarded(ai.loader.entered.wait(), "the model load")
    ai.loader.gate.set()
    await eventually(lambda: _ready(ai))
    model = ai.loader.model
    embedded = list(model.passages_embedded)
    queries = len(model.queries)
    assert ai.consumed_with_model_loaded == [True]

    await _ask(stack, nc, QUESTION)

    [answer] = await eventually(lambda: _answered(stack))
    assert answer.startswith("La chorale anime la messe de 11h")
    assert ai.loader.calls == 1
    assert model.passages_embedded == embedded  # every fact was embedded before ready
    assert model.queries[queries:] == [QUESTION]


async def _ready(ai: Starting) -> bool:
    return (await ai.readyz()).status_code == 200


async def _answered(stack: Stack) -> list[str]:
    return _texts_to_chat(stack)
