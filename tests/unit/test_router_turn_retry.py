"""A message redelivered after its turn's session write landed is not decided again.

The store executes ``session.update`` (the turn's last step, after everything
the person reads was published) but its reply is lost: the bus redelivers the
message. Decided again from the state the turn left, it would be answered
wrongly: a menu choice taken for a question, the code asked twice, the code
itself sent to ai. The written state names the turn's message, so the retry
finds its turn done.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from concierge_common.bus.consumer import Delivery
from concierge_common.contracts import store_api as api
from concierge_common.contracts.messages import GenerateReply, MessageReceived, SendReply
from concierge_common.errors import Outage
from router.catalog import CatalogCache
from router.coalescer import Coalescer
from router.conversation import Conversation
from router.inbound import InboundHandler
from router.outbox import Outbox
from router.verification import Verification
from support.router_fakes import (
    FakeStorePort,
    MemoryHandled,
    NoClassifier,
    RecordingPublisher,
    inbound,
)

CHAT = "33611113333@c.us"


class LateUpdates(FakeStorePort):
    """``session.update`` runs; while ``losing``, its reply is lost (``executing``: or not)."""

    losing = False
    executing = True

    async def update_session(self, update: api.SessionUpdate) -> api.SessionView:
        if not self.losing:
            return await super().update_session(update)
        self.losing = False
        if self.executing:
            await super().update_session(update)
        raise Outage("store did not answer session.update (TimeoutError)")


class Router:
    def __init__(self) -> None:
        self.store = LateUpdates()
        self.bus = RecordingPublisher()
        outbox = Outbox(self.bus)
        conversation = Conversation(
            self.store,
            outbox,
            CatalogCache(self.store, ttl=60),
            NoClassifier(),
            Verification(self.store, outbox, zone=ZoneInfo("Europe/Paris")),
            default_service="RENSEIGNEMENT",
        )
        self.handler = InboundHandler(
            self.store, outbox, conversation, Coalescer(_no_next, window=0.0), MemoryHandled(),
            staff_chat_id="",
        )  # fmt: skip

    async def say(self, text: str) -> MessageReceived:
        message = inbound(text, CHAT)
        await self._deliver(message, 1)
        return message

    async def say_losing_the_write_reply(self, text: str, *, executed: bool = True) -> None:
        """The person writes ``text``; the turn's write reply is lost, then the bus retries."""
        message = inbound(text, CHAT)
        self.store.losing, self.store.executing = True, executed
        with pytest.raises(Outage):
            await self._deliver(message, 1)
        await self._deliver(message, 2)

    async def _deliver(self, message: MessageReceived, attempt: int) -> None:
        delivery = Delivery(attempt=attempt, subject="chat.v1.inbound.0.conv", stream_sequence=1)
        await self.handler(message, delivery)

    def replies(self) -> list[str]:
        return [m.text for m in self.bus.of(SendReply)]


async def _no_next(subject: str, sequence: int) -> None:
    return None


async def test_a_retried_menu_choice_is_not_taken_for_a_question() -> None:
    router = Router()
    await router.say("Bonjour")
    await router.say_losing_the_write_reply("1")
    assert router.replies()[-1].endswith("Quelle est votre question ?")
    assert router.bus.of(GenerateReply) == []
    assert router.store.session_of(CHAT).service_id == "svc-renseignement"


async def test_a_retried_question_that_asked_for_the_code_does_not_ask_again() -> None:
    router = Router()
    await router.say_losing_the_write_reply("Quel est le groupe de caté de Léa ?")
    [ask] = router.replies()
    assert "code" in ask
    assert router.store.session_of(CHAT).state["step"] == "await_code"


async def test_a_retried_accepted_code_never_reaches_ai() -> None:
    router = Router()
    await router.say("Bonjour")
    await router.say("2")
    await router.say_losing_the_write_reply("SM-4821")
    assert router.replies()[-1] == "Merci, votre code est bien reconnu. Que souhaitez-vous savoir ?"
    assert router.bus.of(GenerateReply) == []
    assert len(router.store.claims) == 1


async def test_a_turn_whose_write_did_not_land_is_decided_again() -> None:
    router = Router()
    await router.say("Bonjour")
    await router.say_losing_the_write_reply("1", executed=False)
    assert router.store.session_of(CHAT).service_id == "svc-renseignement"
    # Decided twice, published under the same derived id: JetStream keeps one.
    invites = [m for m in router.bus.of(SendReply) if m.text.endswith("votre question ?")]
    assert len(invites) == 2
    assert invites[0].message_id == invites[1].message_id
    assert router.bus.of(GenerateReply) == []
