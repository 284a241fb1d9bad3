"""The Claude answerer and the responder with a token budget, on a sender that costs
what it is told (no HTTP): for the tests of :mod:`ai.token_budget`."""

from __future__ import annotations

import itertools

from anthropic.types import Message

from ai.claude.answerer import ClaudeAnswerer
from ai.claude.catalog import Catalog
from ai.claude.client import Request
from ai.claude.costs import Prices
from ai.claude.history import StoreHistory
from ai.facts import StoreFacts
from ai.handoffs import HandoffOpener
from ai.responder import Responder
from ai.token_budget import TokenBudget
from concierge_common.contracts.messages import GenerateReply, MessageReceived
from support import fake_claude as fake
from support.ai_fakes import HandoffStore, Published
from support.claude_store import NOW, ZONE, MemoryStore

ANSWER = "La messe du dimanche est à 10 h 30."
_numbers = itertools.count(1)


class CostlySender:
    """Answers every request from the first fact it was sent, using ``tokens`` in all."""

    def __init__(self, tokens: int) -> None:
        self.tokens = tokens
        self.requests: list[Request] = []

    async def send(self, request: Request) -> Message:
        self.requests.append(request)
        recorded = fake.Recorded({}, {"system": request.system})
        cited = list(recorded.facts())[:1]
        scripted = fake.answer(ANSWER, cited, tokens=fake.usage(self.tokens - 10, 10))
        return Message.model_validate(scripted.body)


def parish() -> MemoryStore:
    store = MemoryStore()
    service = store.add_service("RENSEIGNEMENT", prompt="Vous êtes l'assistant de la paroisse.")
    store.add_info(service, "Horaires des messes", "Messe le dimanche à 10 h 30.")
    return store


def responder(
    sender: CostlySender, budget: TokenBudget, store: MemoryStore | None = None
) -> tuple[Responder, Published]:
    """The responder over Claude, both with ``budget``, as ai's service wires them."""
    memory = store or parish()
    answerer = ClaudeAnswerer(
        sender,
        StoreFacts(memory, ttl_seconds=0.0, clock=lambda: NOW),
        Catalog(memory, ttl_seconds=0.0),
        StoreHistory(memory, limit=4),
        prices=Prices(0.1, 0.5, 0.125, 0.01),
        zone=ZONE,
        clock=lambda: NOW,
        usage=budget,
    )
    published = Published()
    return Responder(published, answerer, HandoffOpener(HandoffStore()), budget=budget), published


def question(chat: str, text: str = "Quand est la messe du dimanche ?") -> GenerateReply:
    """A turn of the person ``chat`` (each call a new message)."""
    number = next(_numbers)
    inbound = MessageReceived(
        message_id=f"m-{number}", conversation_id=f"conv-{chat}", correlation_id=f"k-{number}",
        session="default", chat_id=chat, sender_id=chat, provider_message_id=f"wamid-{number}",
        text=text,
    )  # fmt: skip
    return GenerateReply(
        message_id=f"g-{number}", conversation_id=inbound.conversation_id,
        correlation_id=inbound.correlation_id, inbound=inbound, texts=[text], session_id="s-1",
    )  # fmt: skip


def texts_to(published: Published, chat: str) -> list[str]:
    return [reply.text for reply in published.replies() if reply.chat_id == chat]
