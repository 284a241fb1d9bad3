"""Proving a role with a code sent in the chat (a parent's ``code_parent``).

When a person asks for a service that needs a role they do not hold, the
router asks for their code and keeps what they asked (the session waits in
``awaiting_input``). Their next turn is a code attempt, checked by the store
(hashed codes, limited attempts, lockout): accepted binds the role to the
person's stable identity, and the question they asked first is answered;
rejected says how many attempts remain; locked says until when and hands the
conversation to a human. Paused (too many wrong codes lately from the person's
channel, or from everyone: :mod:`store.claim_limits`) is not the person's doing:
they are told when to come back, without a handoff, except for the one claim
that started the pause, whose handoff is how staff learn that codes are being
guessed. A turn without anything like a code either says the code is lost (the
step is left and the turn is answered from the facts of the service the code
opens, which say how to get it again), names another service (the person moved
on), asks something else (a question, a request of several words: the step is
left and the turn is handled like any other, so nobody is trapped in it; a
question that needs the code asks for it again, with that question kept), or
is a short answer to the request ("un instant"), which gets the request again.
The code itself never reaches ai, a log, a metric or a staff alert.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import msgspec

from concierge_common.contracts import store_api as api
from concierge_common.french.text import terms, words
from concierge_common.metrics import child
from router import phrases
from router.catalog import Service
from router.coalescer import Turn
from router.codes import find_code
from router.languages import translated
from router.metrics import CODE_ATTEMPTS
from router.outbox import Outbox
from router.store_client import StorePort

if TYPE_CHECKING:
    from router.conversation import Conversation, TurnContext

STEP = "step"
AWAITING_CODE = "await_code"
PENDING = "pending"
# Content words from which a message without a code is a new request, not an answer.
OTHER_REQUEST_TERMS = 3
# Words of a lost code: a question for the facts (how to get it again), not an answer.
_LOST = frozenset(
    {
        "perdu", "perdue", "oublie", "oubliee", "egare", "egaree", "lost", "forgot",
        "forgotten", "perdi", "esqueci", "perdido", "olvide",
    }
)  # fmt: skip


class Verification:
    def __init__(self, store: StorePort, outbox: Outbox, *, zone: ZoneInfo) -> None:
        self._store = store
        self._outbox = outbox
        self._zone = zone

    async def ask(self, ctx: TurnContext, conversation: Conversation, service: Service) -> None:
        """Ask for the code of ``service`` and remember the question."""
        text = phrases.in_language(ctx.catalog, "ask_code", ctx.language, service.name)
        await self._outbox.say(ctx.turn.last, text, "ask-code")
        ctx.state[STEP] = AWAITING_CODE
        ctx.state[PENDING] = ctx.turn.texts
        await conversation.save(ctx, status="awaiting_input", service_id=service.view.id)

    async def claim_now(
        self, ctx: TurnContext, conversation: Conversation, service: Service
    ) -> None:
        """A code came with the question: check it now, keep the question without it."""
        code = find_code(ctx.turn.text, digits_alone=False) or ""
        ctx.state[STEP] = AWAITING_CODE
        ctx.state[PENDING] = [without_code(text, code) for text in ctx.turn.texts]
        await self.attempt(ctx, conversation, service)

    async def attempt(
        self, ctx: TurnContext, conversation: Conversation, service: Service | None = None
    ) -> None:
        """The turn is a code attempt for ``service`` (default: the session's service)."""
        service = service or ctx.catalog.by_id(ctx.session.service_id)
        code = find_code(ctx.turn.text)
        if service is None:
            _leave(ctx)
            await conversation.show_menu(ctx, intro=None)
        elif code is None:
            await self._no_code(ctx, conversation, service)
        else:
            claim = api.CodeClaim(
                user_id=ctx.session.user_id,
                service_name=service.name,
                code=code,
                message_id=ctx.turn.last.message_id,  # a redelivery is not counted twice
            )
            result = await self._store.claim(claim)
            child(CODE_ATTEMPTS, "paused" if result.paused else result.status).inc()
            await self._settle(ctx, conversation, service, result, code)

    async def _no_code(
        self, ctx: TurnContext, conversation: Conversation, service: Service
    ) -> None:
        named = [s for s in ctx.catalog.named_in(ctx.turn.text) if s.name != service.name]
        if not named and about_a_lost_code(ctx.turn.text):
            # How to get the code again is in the facts of the service it opens: answered
            # there, like any general question (the question kept before is dropped).
            _leave(ctx)
            await conversation.serve(ctx, service)
            return
        if named or asks_something_else(ctx.turn.text):  # the person moved on
            _leave(ctx)  # the question kept before is dropped
            # The service was only chosen for the code: the new request finds its own.
            ctx.session = msgspec.structs.replace(ctx.session, service_id=None)
            await conversation.route(ctx)
            return
        seen = translated("no_code_seen", ctx.language) or phrases.NO_CODE_SEEN
        ask = phrases.in_language(ctx.catalog, "ask_code", ctx.language, service.name)
        again = f"{seen}\n{ask}"
        await self._outbox.say(ctx.turn.last, again, "ask-code-again")
        await conversation.save(ctx)

    async def _settle(
        self,
        ctx: TurnContext,
        conversation: Conversation,
        service: Service,
        result: api.ClaimResult,
        code: str,
    ) -> None:
        if result.status == "accepted":
            await self._accepted(ctx, conversation, service)
        elif result.status == "rejected":
            text = phrases.in_language(ctx.catalog, "code_rejected", ctx.language, service.name)
            text = f"{text} {phrases.attempts_left(result.attempts_left, ctx.language)}"
            await self._outbox.say(ctx.turn.last, text, "code-rejected")
            await conversation.save(ctx, status="awaiting_input", service_id=service.view.id)
        elif result.paused:
            await self._paused(ctx, conversation, result, code)
        else:
            until = phrases.clock_time(result.locked_until, self._zone)
            await self._outbox.say(ctx.turn.last, phrases.LOCKED.format(until=until), "locked")
            _leave(ctx)
            _forget_code(ctx, code)
            await conversation.hand_off(ctx, reason="code_lockout", requested_by="lockout")

    async def _paused(
        self, ctx: TurnContext, conversation: Conversation, result: api.ClaimResult, code: str
    ) -> None:
        """Codes are not checked for now: say when to come back; staff hear of a new pause."""
        until = phrases.clock_time(result.locked_until, self._zone)
        await self._outbox.say(ctx.turn.last, phrases.PAUSED.format(until=until), "paused")
        _leave(ctx)
        if result.pause_started:
            _forget_code(ctx, code)
            await conversation.hand_off(ctx, reason="code_guessing", requested_by="lockout")
        else:
            await conversation.save(ctx, status="active")

    async def _accepted(
        self, ctx: TurnContext, conversation: Conversation, service: Service
    ) -> None:
        first = [str(text) for text in ctx.state.get(PENDING) or []]
        _leave(ctx)
        ctx.session = msgspec.structs.replace(ctx.session, roles=None)  # read them again
        accepted = phrases.in_language(ctx.catalog, "code_accepted", ctx.language, service.name)
        if not _is_question(first, service):
            await self._outbox.say(ctx.turn.last, accepted, "code-accepted")
            await conversation.save(ctx, status="active", service_id=service.view.id)
            return
        # Thank briefly, then answer what they asked before the code. The message that
        # carried the code stands for the turn, without its text: the code never reaches ai.
        await self._outbox.say(ctx.turn.last, accepted.split(". ")[0] + ".", "code-accepted")
        ctx.turn = Turn(msgspec.structs.replace(ctx.turn.last, text=""), first)
        await conversation.serve(ctx, service)


def asks_something_else(text: str) -> bool:
    """Whether a message without a code, sent while one is awaited, is a new request.

    A question, or a request of several words, is ("quel temps fera-t-il demain ?",
    "c koi lé horR d mess"); so is a lost code. A few words about the code itself
    ("je cherche mon code", "un instant") are an answer to the request, and so is what
    the clauses naming the code say; a question beside them is not.
    """
    if about_a_lost_code(text):
        return True
    if "code" in words(text):
        # what is said of the code is an answer; a question beside it is not ("je n'ai pas
        # le code, je peux avoir les horaires du caté ?")
        text = "".join(c for c in _CLAUSE.findall(text) if "code" not in words(c))
        return "?" in text and len(terms(text)) >= 2
    return "?" in text or len(terms(text)) >= OTHER_REQUEST_TERMS


_CLAUSE = re.compile(r"[^.,;:!?\n]+[.,;:!?\n]*")


def about_a_lost_code(text: str) -> bool:
    """Whether ``text`` says the code is lost or forgotten ("j'ai perdu le code", "code
    perdu", "I lost the code", "esqueci o código"): a question for the facts."""
    return any(word in _LOST for word in words(text))


def _is_question(texts: list[str], service: Service) -> bool:
    """More than the service's name ("caté"): a question mark or a word beyond its keywords."""
    text = " ".join(texts)
    keywords = {word for keyword in service.view.trigger_keywords for word in terms(keyword)}
    return "?" in text or bool(terms(text) - keywords)


def without_code(text: str, code: str) -> str:
    """``text`` without the code nor the words that introduce it ("mon code parent est",
    "voici notre code famille :", "my code is")."""
    owner = r"(?:(?:voici|voilà|here\s+is)\s+)?(?:(?:mon|notre|le|my|our|the)\s+)?"
    kind = r"(?:\s+(?:parent|parents|famille|familial|de\s+(?:la\s+)?famille|d['’]accès))?"
    intro = owner + r"code" + kind + r"\s*(?:est|is|:|=|c['’]est)?\s*"
    pattern = re.compile(f"(?i)(?:{intro})?{re.escape(code)}[\\s,.;:!]*")
    return pattern.sub("", text).strip()


def _forget_code(ctx: TurnContext, code: str) -> None:
    """The turn without the code, before it goes to staff in a handoff alert."""
    last = ctx.turn.last
    texts = [without_code(text, code) for text in ctx.turn.texts]
    bare = msgspec.structs.replace(last, text=without_code(last.text, code))
    ctx.turn = dataclasses.replace(ctx.turn, last=bare, texts=texts)


def _leave(ctx: TurnContext) -> None:
    ctx.state.pop(STEP, None)
    ctx.state.pop(PENDING, None)
