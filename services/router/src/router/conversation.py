"""One turn of a conversation: commands, greeting, service choice, verification, then act.

The order of decisions, for a person whose conversation no human owns:
0. a file (a voice note, a photo...) gets what it calls for (:mod:`router.media_turns`);
   its caption, if any, goes on like any text;
1. commands ("humain", "stop", "menu") work in every state;
2. while a code is awaited, the turn is a code attempt (:mod:`router.verification`);
3. greetings get a welcome and the menu, thanks a kind word;
4. the service is the one picked from the menu by number, else the one the
   trigger keywords name, else the current one, else the one ai classifies;
   if none, the menu; a human service named or classified for a question
   asking a fact is set aside (:mod:`router.asking`: a keyword is not an intent);
5. a human service hands off; a service that needs a role the person lacks
   asks for the code; otherwise ai answers the turn (with the verified
   family's record for a parent, and only theirs).
The session is written last, after what the person will read was published,
so a crash in between replays the same decisions (same derived message ids).
A write also records the turn's last message (:data:`SAVED_TURN`): a message
redelivered after its turn's write landed (the store's reply lost, or a crash
before the bus was told) finds its turn done, instead of being decided again
from the state that turn left (a menu choice taken for a question, a code
asked twice, a code sent to ai).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from concierge_common.contracts import store_api as api
from concierge_common.french.languages import FRENCH, Language
from concierge_common.french.text import terms
from concierge_common.metrics import child
from router import languages, phrases, smalltalk
from router.asking import asks_not_for_a_person, wants_a_person
from router.catalog import Catalog, CatalogCache, Service
from router.classifier import Classifier
from router.coalescer import Turn, without_burst
from router.codes import find_code
from router.commands import Command, detect
from router.media_turns import MediaTurns, has_image
from router.metrics import DECISIONS
from router.outbox import Outbox
from router.personal import is_personal
from router.store_client import StorePort
from router.verification import AWAITING_CODE, STEP, Verification

log = logging.getLogger(__name__)

MENU_KEY = "menu"
# A message with at least this many content words is a question worth sending to ai.
_QUESTION_TERMS = 2
THANKS_REPLY = "Je vous en prie ! N'hésitez pas si vous avez une autre question."
# Roles a person can prove with a code sent in the chat; other roles are granted by staff.
VERIFIABLE_ROLES = frozenset({"parent"})
# In the session state: the id of the last message of the last turn whose session was written.
SAVED_TURN = "saved_turn"


def turn_saved(session: api.SessionView, message_id: str) -> bool:
    """Whether the turn ending with ``message_id`` was decided and saved already.

    Everything a turn publishes goes out before its session is written, so
    nothing of such a turn is left to do.
    """
    return session.state.get(SAVED_TURN) == message_id


@dataclass
class TurnContext:
    """What one turn works with; ``state`` is the session state being rewritten."""

    turn: Turn
    session: api.SessionView
    catalog: Catalog
    state: dict[str, Any]
    language: Language = FRENCH  # the person's, for the router's fixed phrases


class Conversation:
    def __init__(
        self,
        store: StorePort,
        outbox: Outbox,
        catalogs: CatalogCache,
        classifier: Classifier,
        verification: Verification,
        *,
        default_service: str,
        files: MediaTurns | None = None,
    ) -> None:
        self._store = store
        self._outbox = outbox
        self._catalogs = catalogs
        self._classifier = classifier
        self._verification = verification
        self._default = default_service
        self._files = files or MediaTurns(outbox, default_service=default_service)

    async def handle(self, turn: Turn, session: api.SessionView) -> None:
        catalog = await self._catalogs.get()
        ctx = TurnContext(turn, session, catalog, without_burst(session.state))
        ctx.language = languages.of_turn(turn.text, ctx.state)
        if await self._files.answered(ctx, self):
            return
        command = detect(turn.text) if turn.texts else None
        if command is not None:
            await self._command(ctx, command)
        elif ctx.state.get(STEP) == AWAITING_CODE:
            await self._verification.attempt(ctx, self)
        elif smalltalk.is_greeting(turn.text):
            await self.show_menu(ctx, intro=self._phrase(ctx, "welcome"))
        elif smalltalk.is_thanks(turn.text):
            _decided("thanks")
            thanks = languages.translated("thanks", ctx.language) or THANKS_REPLY
            await self._outbox.say(turn.last, thanks, "thanks")
            await self.save(ctx)
        else:
            await self.route(ctx)

    async def _command(self, ctx: TurnContext, command: Command) -> None:
        _decided(f"command_{command.value}")
        if command is Command.HUMAN:
            await self.hand_off(ctx, reason="person_asked", requested_by="person")
        elif command is Command.STOP:
            goodbye = self._phrase(ctx, "goodbye")
            await self._outbox.say(ctx.turn.last, goodbye, "goodbye")
            await self.save(ctx, status="closed", state={})
        else:
            await self.show_menu(ctx, intro=None)

    async def route(self, ctx: TurnContext) -> None:
        """Find the service for the turn (menu choice, named, classified) and serve it."""
        offered = await self._offered(ctx)
        picked = self._picked(ctx, offered)
        if picked is not None:
            await self._enter(ctx, picked)
            return
        service = await self._named(ctx, offered)
        if service is None:
            service = ctx.catalog.by_id(ctx.session.service_id)
        if service is None and find_code(
            ctx.turn.text, digits_alone=False
        ):  # a code: the service it unlocks
            service = next((s for s in offered if s.view.required_role in VERIFIABLE_ROLES), None)
        if service is None:
            service = self._family_service(ctx, offered)
        if service is None:
            service = await self._classified(ctx, offered)
        if service is None and (
            len(terms(ctx.turn.text)) >= _QUESTION_TERMS
            or has_image(ctx.turn)
            or ("?" in ctx.turn.text and terms(ctx.turn.text))
        ):  # a real question ("qui est le curé ?"), or words about a photo: let ai try
            service = ctx.catalog.by_name(self._default)
        if service is None:
            intro = languages.translated("not_understood", ctx.language)
            await self.show_menu(ctx, intro=intro or phrases.NOT_UNDERSTOOD)
            return
        if service.is_human and asks_not_for_a_person(ctx.turn.text):
            service = ctx.catalog.by_name(self._default) or service  # classified, not wished
        await self.serve(ctx, service)

    async def serve(self, ctx: TurnContext, service: Service) -> None:
        """Answer the turn within ``service`` (or hand off / ask for a code)."""
        if service.is_human:
            await self.hand_off(ctx, reason="person_asked", requested_by="person")
            return
        role = service.view.required_role
        verified = role is None or await self._has_role(ctx, service)
        if not verified and role not in VERIFIABLE_ROLES:
            intro = languages.translated("reserved", ctx.language)
            await self.show_menu(ctx, intro=intro or phrases.RESERVED)
            return
        if not verified and find_code(
            ctx.turn.text, digits_alone=False
        ):  # the code came with the question
            await self._verification.claim_now(ctx, self, service)
            return
        if not verified and is_personal(ctx.turn.text, ctx.catalog.known_words):
            await self._verification.ask(ctx, self, service)
            return
        # Verified: the family's record; not verified: the service's general facts only.
        family = await self._family(ctx, service) if verified and role else None
        _decided("answer")
        await self._outbox.generate(ctx.turn, service.name, ctx.session, family)
        ctx.state.pop(MENU_KEY, None)
        await self.save(ctx, status="active", service_id=service.view.id)

    async def _enter(self, ctx: TurnContext, service: Service) -> None:
        """A service picked from the menu: no question yet, so invite one (or verify)."""
        ctx.state.pop(MENU_KEY, None)
        ctx.turn = replace(ctx.turn, texts=[])  # "2" is a choice, not a question to remember
        if service.is_human:
            await self.serve(ctx, service)
            return
        role = service.view.required_role
        if role in VERIFIABLE_ROLES and not await self._has_role(ctx, service):
            await self._verification.ask(ctx, self, service)  # chosen: it is about the family
            return
        _decided("enter")
        invite = _invitation(service, ctx.language)
        await self._outbox.say(ctx.turn.last, invite, "enter")
        await self.save(ctx, status="active", service_id=service.view.id)

    def _phrase(self, ctx: TurnContext, key: str) -> str:
        """The organisation's ``key`` prompt (or the default) in French, else the translation."""
        translated = languages.translated(key, ctx.language)
        return translated or phrases.text(ctx.catalog, key, self._default)

    async def show_menu(self, ctx: TurnContext, *, intro: str | None) -> None:
        offered = await self._offered(ctx)
        text = phrases.menu(offered, ctx.language)
        if intro:
            text = f"{intro}\n\n{text}"
        _decided("menu")
        await self._outbox.say(ctx.turn.last, text, "menu")
        ctx.state.pop(STEP, None)
        ctx.state[MENU_KEY] = [s.name for s in offered]
        await self.save(ctx, status="active")

    async def hand_off(
        self, ctx: TurnContext, *, reason: str, requested_by: api.HandoffTrigger
    ) -> None:
        """Open a handoff in the store (the session moves to ``handoff``), then alert.

        The store keeps the id of the turn's last message as the one that opened
        it: see :meth:`finish_hand_off` for a message redelivered after this.
        """
        last = ctx.turn.last
        handoff = await self._store.open_handoff(
            api.HandoffOpen(
                conversation_id=last.conversation_id,
                user_id=ctx.session.user_id,
                wa_session=last.session,
                chat_id=last.chat_id,
                reason=reason,
                requested_by=requested_by,
                summary=ctx.turn.text[:500],
                message_id=last.message_id,
            )
        )
        await self._handed_off(ctx, handoff, reason=reason, requested_by=requested_by)

    async def finish_hand_off(
        self, turn: Turn, session: api.SessionView, handoff: api.HandoffView
    ) -> None:
        """The rest of a hand-off this turn opened on an earlier attempt.

        The store opened ``handoff`` for the turn's last message (the session is
        in ``handoff`` already), but that attempt failed before the alert went
        out: the store's reply came too late, or the router stopped in between.
        """
        catalog = await self._catalogs.get()
        ctx = TurnContext(turn, session, catalog, without_burst(session.state))
        log.info("hand-off finished on a retry", extra={"handoff_id": handoff.id})
        await self._handed_off(
            ctx, handoff, reason=handoff.reason, requested_by=handoff.requested_by
        )

    async def _handed_off(
        self,
        ctx: TurnContext,
        handoff: api.HandoffView,
        *,
        reason: str,
        requested_by: api.HandoffTrigger,
    ) -> None:
        """After the store opened ``handoff``: ask for staff and the person's notice, then
        clean the session state (its status is the store's: ``handoff``).

        Running this twice for one turn still alerts once: see
        :meth:`Outbox.handoff_requested`.
        """
        _decided("handoff")
        await self._outbox.handoff_requested(
            ctx.turn, handoff, reason=reason, requested_by=requested_by
        )
        ctx.state.pop(STEP, None)
        ctx.state.pop(MENU_KEY, None)
        await self.save(ctx)

    async def save(
        self,
        ctx: TurnContext,
        *,
        status: api.SessionStatus | None = None,
        service_id: str | None = None,
        state: dict[str, Any] | None = None,
    ) -> None:
        """Write what changed in the session (``service_id=None``: unchanged)."""
        new_state = ctx.state if state is None else state
        changes: dict[str, Any] = {}
        if status is not None and status != ctx.session.status:
            changes["status"] = status
        if service_id is not None and service_id != ctx.session.service_id:
            changes["service_id"] = service_id
        if new_state != ctx.session.state:
            changes["state"] = new_state
        if changes:  # the state is written whole, with the turn that wrote it
            changes["state"] = {**new_state, SAVED_TURN: ctx.turn.last.message_id}
            await self._store.update_session(api.SessionUpdate(id=ctx.session.id, **changes))

    async def _offered(self, ctx: TurnContext) -> list[Service]:
        """Services this person may use now, or may unlock with a code."""
        held = await self._held_roles(ctx)
        return [
            s
            for s in ctx.catalog.services
            if s.view.required_role is None
            or (s.view.id, s.view.required_role) in held
            or s.view.required_role in VERIFIABLE_ROLES
        ]

    def _picked(self, ctx: TurnContext, offered: list[Service]) -> Service | None:
        shown = ctx.state.get(MENU_KEY)
        choice = ctx.turn.text.strip().rstrip(".)")
        if not isinstance(shown, list) or not choice.isdigit():
            return None
        index = int(choice) - 1
        name = shown[index] if 0 <= index < len(shown) else None
        return next((s for s in offered if s.name == name), None)

    async def _named(self, ctx: TurnContext, offered: list[Service]) -> Service | None:
        """The service the keywords name; ai breaks a tie ("horaires du caté").

        A keyword is not an intent: the trigger words of a human service inside a
        question for a fact ("à quelle heure ouvre le secrétariat ?", "qui dois-je
        appeler pour les obsèques ?", "un prêtre peut-il venir à l'hôpital ?") are no
        wish to reach a person. They are set aside, and the question goes to the
        family record it asks about ("le rendez-vous de Lou, c'est quand ?"), else to
        the other services it names, else to the main service, whose facts answer it
        (and whose answerer hands off when none does).
        """
        text = ctx.turn.text
        allowed = {s.name for s in offered}
        if any(s.is_human for s in ctx.catalog.named_in(text) if s.name in allowed) and (
            asks_not_for_a_person(text)
        ):
            among = [s for s in offered if not s.is_human]
            return (
                self._family_service(ctx, among)
                or await self._keyword_service(ctx, among)
                or ctx.catalog.by_name(self._default)
            )
        return await self._keyword_service(ctx, offered)

    async def _keyword_service(self, ctx: TurnContext, offered: list[Service]) -> Service | None:
        tied = ctx.catalog.best_named(ctx.turn.text, {s.name for s in offered})
        human = [s for s in tied if s.is_human]
        if len(tied) > 1 and human and wants_a_person(ctx.turn.text):
            return human[0]  # "je voudrais un rendez-vous avec le curé": a wish, not a topic
        gated = [s for s in tied if s.view.required_role in VERIFIABLE_ROLES]
        if len(tied) > 1 and gated and is_personal(ctx.turn.text, ctx.catalog.known_words):
            return gated[0]  # "les horaires du caté de Léa": about the family
        if len(tied) > 1:
            return await self._classified(ctx, tied) or tied[0]
        return tied[0] if tied else None

    def _family_service(self, ctx: TurnContext, offered: list[Service]) -> Service | None:
        """The one service with family records, for a question about the person's own child
        that names no service ("Prochaine séance pour Arthur ?")."""
        gated = [s for s in offered if s.view.required_role in VERIFIABLE_ROLES]
        if len(gated) == 1 and is_personal(ctx.turn.text, ctx.catalog.known_words):
            return gated[0]
        return None

    async def _classified(self, ctx: TurnContext, among: list[Service]) -> Service | None:
        name = await self._classifier.classify(ctx.turn.text, among)
        return next((s for s in among if s.name == name), None)

    async def _held_roles(self, ctx: TurnContext) -> set[tuple[str, str]]:
        """The person's roles: those session.open returned, else (an older store, or a
        code accepted since) role.list's."""
        if all(s.view.required_role is None for s in ctx.catalog.services):
            return set()
        if ctx.session.roles is not None:
            return {(r.service_id, r.role) for r in ctx.session.roles}
        return {(r.service_id, r.role) for r in await self._store.roles(ctx.session.user_id)}

    async def _has_role(self, ctx: TurnContext, service: Service) -> bool:
        return (service.view.id, service.view.required_role) in await self._held_roles(ctx)

    async def _family(self, ctx: TurnContext, service: Service) -> dict[str, Any] | None:
        """The verified record(s) of this person only; several are merged into one."""
        records = await self._store.families(ctx.session.user_id, service.name)
        if not records:
            return None
        if len(records) == 1:
            return dict(records[0].attributes)
        names = [str(r.attributes.get("family", "")) for r in records]
        children = [c for r in records for c in r.attributes.get("children", [])]
        return {"family": " / ".join(n for n in names if n), "children": children}


def _decided(decision: str) -> None:
    child(DECISIONS, decision).inc()


def _invitation(service: Service, language: Language) -> str:
    """What invites a question once ``service`` is picked from the menu."""
    translated = languages.translated("invite", language)
    if translated is not None:
        return translated.format(label=service.label)
    return service.prompts.get("invite") or phrases.INVITE.format(label=service.label)
