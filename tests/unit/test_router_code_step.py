"""The code step: who is asked for the parent code, how a lost code is answered, in which
language the step speaks."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from concierge_common.contracts.messages import GenerateReply, SendReply
from router.catalog import CatalogCache
from router.coalescer import Turn
from router.conversation import Conversation
from router.outbox import Outbox
from router.verification import Verification
from support.router_fakes import FakeStorePort, NoClassifier, RecordingPublisher, inbound

CHAT = "351912345678@c.us"


class Chat:
    def __init__(self) -> None:
        self.store = FakeStorePort()
        self.bus = RecordingPublisher()
        outbox = Outbox(self.bus)
        self.conversation = Conversation(
            self.store,
            outbox,
            CatalogCache(self.store, ttl=60),
            NoClassifier(),
            Verification(self.store, outbox, zone=ZoneInfo("Europe/Paris")),
            default_service="RENSEIGNEMENT",
        )

    async def say(self, text: str) -> list[object]:
        before = len(self.bus.published)
        session = await self.store.open_session(CHAT, "Ana")
        await self.conversation.handle(Turn(inbound(text, CHAT), [text]), session)
        return [message for _, message in self.bus.published[before:]]

    def status(self) -> str:
        return self.store.session_of(CHAT).status


def generated(messages: list[object]) -> GenerateReply:
    found = [m for m in messages if isinstance(m, GenerateReply)]
    assert len(found) == 1, messages
    return found[0]


def said(messages: list[object]) -> list[str]:
    return [m.text for m in messages if isinstance(m, SendReply)]


async def test_a_general_catechism_question_about_ones_child_is_answered_without_the_code() -> None:
    chat = Chat()
    out = await chat.say("Ma fille est en CE1, le caté c'est quel jour pour elle ?")
    reply = generated(out)
    assert (reply.service, reply.family) == ("CATECHESE", None)
    assert chat.status() == "active"
    assert chat.store.claims == []


async def test_a_question_on_ones_childs_record_still_asks_for_the_code() -> None:
    chat = Chat()
    await chat.say("Quand est la prochaine séance de caté de mon fils ?")
    assert chat.status() == "awaiting_input"


async def test_a_lost_code_in_the_code_step_is_answered_from_the_services_facts() -> None:
    chat = Chat()
    await chat.say("prochain caté de ma fille ?")
    assert chat.status() == "awaiting_input"
    for text in ["j'ai perdu le code, je fais comment ?", "code perdu", "I lost the code"]:
        out = await chat.say(text)
        reply = generated(out)
        assert (reply.service, reply.family, reply.texts) == ("CATECHESE", None, [text])
        assert chat.status() == "active"
        assert "step" not in chat.store.session_of(CHAT).state
        await chat.say("prochain caté de ma fille ?")  # back in the step for the next one
    assert chat.store.claims == []


async def test_the_code_is_asked_for_in_the_persons_language() -> None:
    chat = Chat()
    out = await chat.say("Qual é o grupo do meu filho na catequese?")
    assert chat.status() == "awaiting_input"
    assert said(out) == [
        "Este serviço está reservado às pessoas que têm um código. Envie-me o seu, por "
        "favor (foi-lhe entregue na inscrição)."
    ]
    out = await chat.say("um momento")
    assert said(out)[0].startswith("Não encontrei nenhum código na sua mensagem.")


async def test_a_wrong_code_is_told_in_the_persons_language() -> None:
    chat = Chat()
    await chat.say("When is my daughter's next catechism session?")
    out = await chat.say("XX-0000")
    assert said(out) == [
        "I do not recognise this code. Please check it and send it again. Attempts left: 2."
    ]
