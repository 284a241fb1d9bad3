"""A message the concierge cannot process ends with a human, not with silence.

The router is replaced by one that fails for good on every message: the
message is dead-lettered, announced on the conversation's ``failed`` flow, and
the real handoff service hands the conversation to a human (real store, ai
lane and gateway): the person is told, staff are alerted once, and a next
message that fails too is shown to staff instead of being lost.
"""

from __future__ import annotations

from concierge_common import settings as settings_module
from concierge_common.bus.consumer import Delivery
from concierge_common.bus.runtime import Runtime, Subscription
from concierge_common.bus.topology import ConsumerSpec
from concierge_common.contracts.messages import BusMessage, MessageReceived, OperatorMessageSeen
from concierge_common.errors import PermanentError
from concierge_common.settings import BusSettings
from support.conversation import REFERENCE, STAFF_GROUP, Conversation
from support.settling import settled
from support.stack import running_stack


async def broken_router(message: BusMessage, delivery: Delivery) -> None:
    raise PermanentError("the router cannot handle anything today")


async def test_a_dead_lettered_message_hands_the_conversation_to_a_human(
    env: dict[str, str],
) -> None:
    env = {**env, "STAFF_CHAT_ID": STAFF_GROUP, "HANDOFF_BUSINESS_HOURS": "mon-sun 00:00-24:00"}
    async with running_stack(env, only=("store", "ai", "handoff")) as stack:
        router = Runtime("router", settings_module.load(BusSettings, env), health_port=None)
        await router.start()
        try:
            await router.consume(
                Subscription(
                    ConsumerSpec("router", "inbound"),
                    (MessageReceived, OperatorMessageSeen),
                    broken_router,
                )
            )
            person = Conversation(stack, "33610000009@c.us")
            await person.send("Bonjour, quels sont les horaires des messes ?")
            [told] = await person.expect(1)
            assert "Je transmets votre demande" in told
            [alert] = await person.expect_staff(1)
            assert REFERENCE.search(alert)
            assert "erreur technique" in alert
            assert "horaires des messes" in alert
            await person.send("C'est pour la messe de dimanche prochain")
            incident = (await person.expect_staff(2))[-1]
            assert "Incident technique" in incident
            assert "messe de dimanche prochain" in incident
            await settled(stack)
            assert len(person.received()) == 1
            assert len(person.staff_received()) == 2
        finally:
            await router.stop()
