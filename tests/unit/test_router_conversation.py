"""The router's decisions for one turn, against in-memory store and bus stand-ins."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pytest

from concierge_common.contracts.messages import (
    GenerateReply,
    HandoffRequested,
    MessageReceived,
    SendReply,
)
from router.catalog import CatalogCache
from router.coalescer import Turn
from router.commands import Command, detect
from router.conversation import Conversation
from router.outbox import Outbox
from router.personal import is_personal
from router.verification import Verification, without_code
from support.router_fakes import FakeStorePort, RecordingPublisher, inbound

CHAT = "33612345678@c.us"


class FixedClassifier:
    def __init__(self, answer: str | None = None) -> None:
        self.answer = answer
        self.asked: list[str] = []

    async def classify(self, text: str, offered: Sequence[object]) -> str | None:
        self.asked.append(text)
        return self.answer


class Harness:
    def __init__(self, classifier: FixedClassifier | None = None) -> None:
        self.store = FakeStorePort()
        self.bus = RecordingPublisher()
        self.classifier = classifier or FixedClassifier()
        outbox = Outbox(self.bus)
        self.conversation = Conversation(
            self.store,
            outbox,
            CatalogCache(self.store, ttl=60),
            self.classifier,
            Verification(self.store, outbox, zone=ZoneInfo("Europe/Paris")),
            default_service="RENSEIGNEMENT",
        )

    async def say(self, text: str) -> list[object]:
        before = len(self.bus.published)
        message = inbound(text, CHAT)
        session = await self.store.open_session(CHAT, "Marie")
        await self.conversation.handle(Turn(message, [text] if text else []), session)
        return [message for _, message in self.bus.published[before:]]

    def replies(self) -> list[str]:
        return [m.text for m in self.bus.of(SendReply)]


def only(messages: list[object], kind: type) -> object:
    found = [m for m in messages if isinstance(m, kind)]
    assert len(found) == 1, messages
    return found[0]


async def test_a_bare_greeting_gets_the_welcome_and_a_numbered_menu() -> None:
    h = Harness()
    out = await h.say("Bonjour !")
    reply = only(out, SendReply)
    assert isinstance(reply, SendReply)
    assert reply.text.startswith("Bonjour et bienvenue")
    assert "1. Informations pratiques sur la paroisse" in reply.text
    assert "3. Être mis en relation avec une personne de l'accueil paroissial" in reply.text
    assert not h.bus.of(GenerateReply)


async def test_a_number_after_the_menu_enters_that_service_and_invites_a_question() -> None:
    h = Harness()
    await h.say("bonjour")
    out = await h.say("1")
    reply = only(out, SendReply)
    assert isinstance(reply, SendReply)
    assert (
        reply.text
        == "Très bien : Informations pratiques sur la paroisse. Quelle est votre question ?"
    )
    assert h.store.session_of(CHAT).service_id == "svc-renseignement"
    out = await h.say("et pour un parking ?")
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert generate.service == "RENSEIGNEMENT"
    assert generate.texts == ["et pour un parking ?"]


@pytest.mark.parametrize(
    ("greeting", "welcome", "invite"),
    [
        ("Hello!", "Hello and welcome!", "Very well: Informations pratiques"),
        ("Olá, boa tarde", "Olá e bem-vindo!", "Muito bem: Informations pratiques"),
        ("Hola, buenos días", "¡Hola y bienvenido!", "Muy bien: Informations pratiques"),
    ],
)
async def test_a_greeting_in_another_language_gets_the_menu_and_invitation_in_it(
    greeting: str, welcome: str, invite: str
) -> None:
    h = Harness()
    menu = only(await h.say(greeting), SendReply)
    assert isinstance(menu, SendReply)
    assert menu.text.startswith(welcome)
    assert "1. Informations pratiques sur la paroisse" in menu.text  # the services' own names
    entered = only(await h.say("1"), SendReply)  # no telling word: the language is kept
    assert isinstance(entered, SendReply)
    assert entered.text.startswith(invite)


async def test_a_french_greeting_after_an_english_one_gets_french_again() -> None:
    h = Harness()
    await h.say("Hello")
    reply = only(await h.say("Bonjour"), SendReply)
    assert isinstance(reply, SendReply)
    assert reply.text.startswith("Bonjour et bienvenue")


async def test_picking_catechism_from_the_menu_asks_the_code_without_a_pending_question() -> None:
    h = Harness()
    await h.say("bonjour")
    await h.say("2")
    assert "code" in h.replies()[-1]
    await h.say("SM-4821")
    assert h.replies()[-1] == "Merci, votre code est bien reconnu. Que souhaitez-vous savoir ?"
    assert not h.bus.of(GenerateReply)


async def test_picking_the_human_service_from_the_menu_hands_off() -> None:
    h = Harness()
    await h.say("bonjour")
    await h.say("3")
    assert [r.requested_by for r in h.store.handoffs] == ["person"]


async def test_trigger_keywords_route_despite_accents_case_and_typos() -> None:
    h = Harness()
    out = await h.say("HORAIRES des mésses dimanche ?")
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert generate.service == "RENSEIGNEMENT"
    assert generate.texts == ["HORAIRES des mésses dimanche ?"]
    assert generate.user_id == h.store.session_of(CHAT).user_id
    assert generate.family is None


async def test_a_question_without_keywords_stays_in_the_current_service() -> None:
    h = Harness()
    await h.say("horaires des messes")
    out = await h.say("et le samedi soir ?")
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert generate.service == "RENSEIGNEMENT"
    assert h.classifier.asked == []


async def test_without_keyword_or_service_ai_classifies_the_message() -> None:
    h = Harness(FixedClassifier("RENSEIGNEMENT"))
    out = await h.say("je cherche un lieu pour prier en silence")
    assert h.classifier.asked == ["je cherche un lieu pour prier en silence"]
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert generate.service == "RENSEIGNEMENT"


async def test_when_nothing_tells_the_service_the_menu_is_shown() -> None:
    h = Harness(FixedClassifier(None))
    out = await h.say("euh...")
    reply = only(out, SendReply)
    assert isinstance(reply, SendReply)
    assert reply.text.startswith("Je n'ai pas bien compris")
    assert "2. Catéchisme des enfants" in reply.text


async def test_thanks_get_a_kind_word_not_an_answer_attempt() -> None:
    h = Harness()
    await h.say("horaires des messes")
    out = await h.say("Merci beaucoup !")
    reply = only(out, SendReply)
    assert isinstance(reply, SendReply)
    assert "Je vous en prie" in reply.text
    assert len(h.bus.of(GenerateReply)) == 1


@pytest.mark.parametrize(
    "text", ["humain", "Je voudrais parler à quelqu'un svp", "PARLER A UNE VRAIE PERSONNE"]
)
async def test_asking_for_a_human_opens_a_handoff_and_alerts(text: str) -> None:
    h = Harness()
    out = await h.say(text)
    assert [r.requested_by for r in h.store.handoffs] == ["person"]
    request = only(out, HandoffRequested)
    assert isinstance(request, HandoffRequested)
    assert request.reference == "H7K2P"
    assert request.summary == text
    assert h.store.session_of(CHAT).status == "handoff"
    assert not h.bus.of(GenerateReply)


async def test_a_human_service_keyword_hands_off() -> None:
    h = Harness()
    await h.say("je voudrais un rendez-vous avec le prêtre")
    assert [r.reason for r in h.store.handoffs] == ["person_asked"]


async def test_stop_says_goodbye_and_closes_the_session() -> None:
    h = Harness()
    await h.say("horaires des messes")
    out = await h.say("STOP")
    reply = only(out, SendReply)
    assert isinstance(reply, SendReply)
    assert "belle journée" in reply.text
    assert h.store.session_of(CHAT).status == "closed"


async def test_catechism_asks_the_parent_code_and_waits_for_it() -> None:
    h = Harness()
    out = await h.say("quand est la prochaine séance de caté de ma fille ?")
    reply = only(out, SendReply)
    assert isinstance(reply, SendReply)
    assert "code" in reply.text
    session = h.store.session_of(CHAT)
    assert session.status == "awaiting_input"
    assert session.service_id == "svc-catechese"
    assert not h.bus.of(GenerateReply)


async def test_an_accepted_code_answers_the_first_question_with_the_own_family_only() -> None:
    h = Harness()
    await h.say("quand est la prochaine séance de caté de ma fille ?")
    out = await h.say("mon code : sm-4821")
    assert [c.code for c in h.store.claims] == ["sm-4821"]
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert generate.service == "CATECHESE"
    assert generate.texts == ["quand est la prochaine séance de caté de ma fille ?"]
    assert generate.inbound.text == ""  # the code never reaches ai
    assert generate.family == {"family": "Famille Lefèvre", "children": [{"first_name": "Léa"}]}
    user = h.store.session_of(CHAT).user_id
    assert {q.user_id for q in h.store.family_queries} == {user}
    assert h.store.session_of(CHAT).status == "active"


async def test_after_verification_catechism_questions_carry_the_family() -> None:
    h = Harness()
    await h.say("catéchisme")
    out = await h.say("SM-7390")
    assert "bien reconnu" in h.replies()[-1]
    assert not [m for m in out if isinstance(m, GenerateReply)]
    out = await h.say("Quel est le groupe de Thomas ?")
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert generate.family is not None
    assert generate.family["family"] == "Famille Nguyen"


async def test_the_roles_come_with_the_session_without_a_role_list() -> None:
    h = Harness()
    await h.say("catéchisme")
    await h.say("SM-7390")
    lists = h.store.role_lists  # the code accepted: the roles were read again
    out = await h.say("Quel est le groupe de Thomas ?")
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert generate.family is not None
    assert h.store.role_lists == lists


async def test_without_roles_in_the_session_the_router_asks_role_list() -> None:
    h = Harness()
    h.store.roles_with_session = False  # an older store
    await h.say("catéchisme")
    await h.say("SM-7390")
    lists = h.store.role_lists
    out = await h.say("Quel est le groupe de Thomas ?")
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert generate.family is not None
    assert h.store.role_lists > lists


async def test_a_wrong_code_says_how_many_attempts_remain() -> None:
    h = Harness()
    await h.say("caté")
    await h.say("SM-0000")
    assert "Je ne reconnais pas ce code" in h.replies()[-1]
    assert "Il vous reste 2 essais." in h.replies()[-1]
    assert h.store.session_of(CHAT).status == "awaiting_input"


async def test_a_lockout_explains_and_hands_off() -> None:
    h = Harness()
    h.store.claim_outcomes = ["locked"]
    await h.say("caté")
    out = await h.say("SM-0000")
    assert "Trop de codes erronés" in h.replies()[-1]
    assert [r.requested_by for r in h.store.handoffs] == ["lockout"]
    assert only(out, HandoffRequested)


async def test_a_pause_explains_without_a_handoff() -> None:
    """Codes are paused for the person's channel: not their doing, no human needed."""
    h = Harness()
    h.store.claim_outcomes = ["paused"]
    await h.say("caté")
    out = await h.say("mon code SM-0000")
    assert "vérification des codes est momentanément suspendue" in h.replies()[-1]
    assert h.store.handoffs == []
    assert not [m for m in out if isinstance(m, HandoffRequested)]
    assert h.store.session_of(CHAT).status == "active"


async def test_the_claim_that_starts_a_pause_alerts_staff_without_the_code() -> None:
    h = Harness()
    h.store.claim_outcomes = ["pause_started"]
    await h.say("caté")
    out = await h.say("mon code SM-0000 merci")
    [handoff] = h.store.handoffs
    assert (handoff.reason, handoff.requested_by) == ("code_guessing", "lockout")
    assert "0000" not in handoff.summary
    request = only(out, HandoffRequested)
    assert isinstance(request, HandoffRequested)
    assert "0000" not in request.inbound.text
    assert "0000" not in request.summary


async def test_a_code_claim_names_the_message_that_carried_the_code() -> None:
    """The store counts a wrong code once per message, even when it is redelivered."""
    h = Harness()
    await h.say("caté")
    carrier = inbound("SM-0000", CHAT)
    session = await h.store.open_session(CHAT, "Marie")
    await h.conversation.handle(Turn(carrier, ["SM-0000"]), session)
    [claim] = h.store.claims
    assert claim.message_id == carrier.message_id


async def test_a_message_without_a_code_is_asked_again() -> None:
    h = Harness()
    await h.say("le caté de mon fils")
    await h.say("je ne sais pas où il est")
    assert "Je n'ai pas trouvé de code" in h.replies()[-1]
    assert h.store.claims == []


async def test_naming_another_service_leaves_the_code_step() -> None:
    h = Harness()
    await h.say("le caté de mon fils")
    assert h.store.session_of(CHAT).status == "awaiting_input"
    out = await h.say("en fait je voulais les horaires des messes")
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert generate.service == "RENSEIGNEMENT"
    assert h.store.session_of(CHAT).status == "active"


async def test_menu_works_while_a_code_is_awaited() -> None:
    h = Harness()
    await h.say("le caté de mon fils")
    assert h.store.session_of(CHAT).status == "awaiting_input"
    await h.say("menu")
    assert h.replies()[-1].startswith("Je peux vous aider pour")
    assert h.store.session_of(CHAT).status == "active"
    assert "step" not in h.store.session_of(CHAT).state


async def test_prompts_from_the_store_replace_the_defaults() -> None:
    h = Harness()
    h.store.prompts["svc-renseignement"] = {"welcome": "Bienvenue à Saint-Martin !"}
    await h.say("bonsoir")
    assert h.replies()[-1].startswith("Bienvenue à Saint-Martin !")


async def test_replies_are_published_on_the_ai_lane_with_ids_derived_from_the_message() -> None:
    h = Harness()
    await h.say("bonjour")
    flows = [flow for flow, _ in h.bus.published]
    assert flows == ["ai"]
    first = h.bus.published[0][1]
    message = inbound("bonjour", CHAT)
    again = Harness()
    session = await again.store.open_session(CHAT, "Marie")
    await again.conversation.handle(Turn(message, ["bonjour"]), session)
    await again.conversation.handle(Turn(message, ["bonjour"]), session)
    ids = [m.message_id for _, m in again.bus.published]
    assert ids[0] == ids[1]  # a replayed turn republishes the same id (JetStream drops it)
    assert isinstance(first, SendReply)
    assert isinstance(message, MessageReceived)


async def test_a_family_question_in_the_code_step_asks_again_then_is_answered() -> None:
    h = Harness()
    await h.say("bonjour")
    await h.say("2")
    asked = h.replies()[-1]
    await h.say("quand est la prochaine séance de Léa ?")
    assert h.replies()[-1] == asked  # the question needs the code: asked for again
    out = await h.say("SM-4821")
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert generate.texts == ["quand est la prochaine séance de Léa ?"]


async def test_a_real_question_nothing_classifies_goes_to_the_main_service() -> None:
    h = Harness(FixedClassifier(None))
    out = await h.say("Where can I park my car near the church?")
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert generate.service == "RENSEIGNEMENT"


async def test_a_keyword_tie_is_broken_by_ai_classification() -> None:
    h = Harness(FixedClassifier("CATECHESE"))
    await h.say("horaires du caté le mercredi")
    assert h.classifier.asked == ["horaires du caté le mercredi"]


@pytest.mark.parametrize(
    "text", ["Je voudrais parler au curé", "puis-je voir un prêtre", "contacter le secrétariat"]
)
def test_asking_to_speak_with_someone_is_a_human_request(text: str) -> None:
    assert detect(text) is Command.HUMAN


async def test_a_short_question_after_the_code_is_answered_too() -> None:
    h = Harness()
    await h.say("Qui est la catéchiste de ma fille ?")
    out = await h.say("SM-4821")
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert generate.texts == ["Qui est la catéchiste de ma fille ?"]


async def test_a_general_catechism_question_is_answered_without_a_code() -> None:
    h = Harness()
    out = await h.say("Comment inscrire un enfant au catéchisme ?")
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert (generate.service, generate.family) == ("CATECHESE", None)
    assert h.store.claims == []


async def test_a_code_sent_with_the_question_is_checked_at_once() -> None:
    h = Harness()
    out = await h.say("Mon code est SM-4821 : quel est le groupe de Léa ?")
    assert [c.code for c in h.store.claims] == ["SM-4821"]
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert "SM-4821" not in " ".join(generate.texts)
    assert generate.family is not None


@pytest.mark.parametrize(
    ("text", "personal"),
    [
        ("quel est le groupe de ma fille ?", True),
        ("Quand est la prochaine séance de Léa ?", True),
        ("my son's catechism group", True),
        ("j'ai perdu mon code parent", False),
        ("comment inscrire mon fils au caté ?", False),
        ("Mon fils a manqué une séance, comment rattraper ?", False),
        ("quels sont les groupes par âge ?", False),
        ("la messe de Noël du caté", False),
        ("Qui est le catéchiste d'Arthur ?", True),  # a name after an elided "d'"
        ("Nathan a caté à quelle heure ?", True),  # a name opening the message, a verb after
        ("Le caté est à quelle heure ?", False),
        ("Noël est à quelle heure ?", False),
        ("Mon fils a 14 ans, il y a une aumônerie pour les jeunes ?", False),  # an age
        ("ma fille de 9 ans peut-elle encore rejoindre le caté ?", False),
        ("Hello, what time is Mass on Sunday?", False),  # capitalised, but no record word
        ("Qui a gagné le match du Standard hier soir ?", False),
    ],
)
def test_personal_questions_are_told_from_general_ones(text: str, personal: bool) -> None:
    assert is_personal(text, ["noël", "caté"]) is personal


def test_the_code_and_its_introduction_are_removed_from_the_question() -> None:
    text = "Mon code parent est SM-4821 : dans quel groupe de caté est Léa ?"
    assert without_code(text, "SM-4821") == "dans quel groupe de caté est Léa ?"
    assert without_code("SM-4821", "SM-4821") == ""
    text = "Mon code famille est W89S-Y8F3-95T2 : dans quel groupe est Zoé ?"
    assert without_code(text, "W89S-Y8F3-95T2") == "dans quel groupe est Zoé ?"
    text = "notre code c'est tx3n8d q5lv2h. dans quel groupe est duarte ?"
    assert without_code(text, "tx3n8d q5lv2h") == "dans quel groupe est duarte ?"
    text = "Voici notre code de la famille : AB12-CD34. Quand est la prochaine séance ?"
    assert without_code(text, "AB12-CD34") == "Quand est la prochaine séance ?"
    assert without_code("my code is SM-4821, which group?", "SM-4821") == "which group?"


async def test_a_tie_on_a_family_question_goes_to_the_family_service() -> None:
    h = Harness(FixedClassifier("RENSEIGNEMENT"))
    await h.say("Quels sont les horaires du caté de Léa ?")
    assert h.store.session_of(CHAT).status == "awaiting_input"
    assert h.classifier.asked == []


@pytest.mark.parametrize(
    "text",
    [
        "quel temps fera-t-il demain ?",
        "c koi lé horR d mess",
        "j'ai perdu mon code",
        # a question beside what is said of the code
        "Je n'ai pas le code, la fête de la paroisse est quel jour ?",
        "Mon mari a le code, il rentre ce soir. Sinon la kermesse c'est quand ?",
    ],
)
async def test_another_request_while_a_code_is_awaited_leaves_the_code_step(text: str) -> None:
    h = Harness()
    await h.say("le caté de mon fils")
    assert h.store.session_of(CHAT).status == "awaiting_input"
    out = await h.say(text)
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert generate.texts == [text]
    assert generate.family is None
    assert h.store.session_of(CHAT).status == "active"
    assert "step" not in h.store.session_of(CHAT).state
    assert h.store.claims == []


async def test_a_question_unrelated_to_the_code_does_not_stay_with_the_catechism() -> None:
    h = Harness()
    await h.say("le caté de mon fils")
    out = await h.say("quel temps fera-t-il demain ?")
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert generate.service == "RENSEIGNEMENT"


@pytest.mark.parametrize(
    "text",
    [
        "un instant",
        "ok je cherche",
        "je cherche mon code",
        "Un instant, je cherche le code, il est dans mes mails",
        "Le code est dans quel mail ?",
        "Je n'ai pas reçu de code ?",
    ],
)
async def test_a_short_answer_about_the_code_keeps_the_code_step(text: str) -> None:
    h = Harness()
    await h.say("le caté de mon fils")
    await h.say(text)
    assert h.replies()[-1].startswith("Je n'ai pas trouvé de code dans votre message.")
    assert h.store.session_of(CHAT).status == "awaiting_input"


async def test_a_place_named_in_the_organisations_facts_is_not_taken_for_a_child() -> None:
    h = Harness()
    h.store.facts["svc-catechese"] = ["Le caté a lieu à la salle Ozanam, à Villebrune."]
    out = await h.say("le caté à Villebrune c'est quel jour ?")
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert (generate.service, generate.family) == ("CATECHESE", None)
    assert h.store.claims == []


async def test_a_childs_name_the_facts_do_not_know_still_needs_the_code() -> None:
    h = Harness()
    h.store.facts["svc-catechese"] = ["Le caté a lieu à la salle Ozanam, à Villebrune."]
    await h.say("le caté de Léonie c'est quel jour ?")
    assert h.store.session_of(CHAT).status == "awaiting_input"


@pytest.mark.parametrize(
    "text",
    [
        "à quelle heure ouvre le secrétariat le mardi ?",
        "le secrétariat est ouvert samedi ?",
        "quel est le numéro du secrétariat",
    ],
)
async def test_a_question_about_the_office_is_answered_from_the_facts_not_handed_off(
    text: str,
) -> None:
    h = Harness()
    out = await h.say(text)
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert generate.service == "RENSEIGNEMENT"
    assert h.store.handoffs == []


@pytest.mark.parametrize(
    "text", ["le secrétariat svp", "je voudrais un rendez-vous avec le secrétariat demain"]
)
async def test_wanting_the_office_still_hands_off(text: str) -> None:
    h = Harness()
    await h.say(text)
    assert len(h.store.handoffs) == 1


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("comment contacter le secrétariat ?", None),
        ("le curé, on peut le voir quel jour ?", None),
        ("je voudrais voir le curé, quand est-il là ?", Command.HUMAN),
        ("contacter le secrétariat", Command.HUMAN),
        ("je veux parler à quelqu'un, c'est ouvert quand ?", Command.HUMAN),
    ],
)
def test_a_question_on_how_to_reach_someone_is_not_a_request_for_a_human(
    text: str, command: Command | None
) -> None:
    assert detect(text) is command


async def test_a_question_about_a_named_child_naming_no_service_asks_for_the_code() -> None:
    h = Harness()
    await h.say("La prochaine rencontre de Nathan, c'est quand ?")
    assert h.store.session_of(CHAT).status == "awaiting_input"
    assert h.store.session_of(CHAT).service_id == "svc-catechese"


async def test_a_question_about_the_office_in_the_code_step_is_answered_not_handed_off() -> None:
    h = Harness()
    await h.say("le caté de mon fils")
    out = await h.say("en fait, le secrétariat ouvre à quelle heure jeudi ?")
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert generate.service == "RENSEIGNEMENT"
    assert h.store.handoffs == []


@pytest.mark.parametrize(
    "text",
    [
        "Quero falar com uma pessoa, por favor",
        "¿Puedo hablar con un sacerdote?",
        "I would like to speak to someone",
    ],
)
def test_a_request_for_a_person_is_understood_in_other_languages(text: str) -> None:
    assert detect(text) is Command.HUMAN


async def test_a_short_question_nothing_names_goes_to_the_main_service() -> None:
    h = Harness()
    out = await h.say("Qui est le curé ?")
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert generate.service == "RENSEIGNEMENT"


async def test_how_long_before_an_appointment_is_a_question_not_a_request() -> None:
    h = Harness()
    out = await h.say("Faut-il prendre rendez-vous longtemps à l'avance pour se marier ?")
    assert h.store.handoffs == []
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)


@pytest.mark.parametrize(
    "text",
    [
        "Je voudrais être mis en relation avec quelqu'un",
        "Pouvez-vous me rappeler demain ?",
        "Quisiera hablar con el párroco",
        "Can someone call me back?",
    ],
)
def test_more_ways_of_asking_for_a_person_are_understood(text: str) -> None:
    assert detect(text) is Command.HUMAN


@pytest.mark.parametrize(
    "text",
    [
        "Mon grand-père est en fin de vie, la famille voudrait qu'un prêtre passe ce soir. "
        "Qui appeler ?",
        "Ma sœur vient de perdre son bébé. Est-ce qu'un prêtre pourrait venir prier avec elle ?",
        "Pardon, mon père vient de mourir, qui dois-je appeler pour les obsèques ?",
        "Faut-il un rendez-vous pour rencontrer le prêtre ou peut-on passer ?",
        "Un prêtre peut-il venir à l'hôpital ?",
        "Who should I call, a priest or the secrétariat?",
    ],
)
async def test_a_question_for_a_fact_with_a_human_services_keyword_is_answered(text: str) -> None:
    h = Harness()
    out = await h.say(text)
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert generate.service == "RENSEIGNEMENT"
    assert h.store.handoffs == []


@pytest.mark.parametrize(
    "text",
    [
        "je voudrais un rendez-vous avec le prêtre",
        "Bonjour, j'aimerais un rendez-vous avec un prêtre, je traverse une période difficile",
        "C'est urgent, mon père est mourant, nous avons besoin d'un prêtre",
        "Ma mère est en train de partir, il nous faut un prêtre maintenant !!",
        "un prêtre svp c'est urgent",
    ],
)
async def test_a_wish_for_a_person_named_by_keyword_still_hands_off(text: str) -> None:
    h = Harness()
    await h.say(text)
    assert [r.reason for r in h.store.handoffs] == ["person_asked"]


async def test_a_wish_breaks_a_keyword_tie_with_the_human_service() -> None:
    h = Harness(FixedClassifier("RENSEIGNEMENT"))
    await h.say("je voudrais un rendez-vous pour le baptême de mon neveu")
    assert len(h.store.handoffs) == 1
    assert h.classifier.asked == []


async def test_a_question_on_ones_childs_appointment_goes_to_the_family_record() -> None:
    h = Harness(FixedClassifier("RENSEIGNEMENT"))
    await h.say("Le rendez-vous de Léa pour la préparation de son baptême, c'est quand ?")
    assert h.store.handoffs == []
    assert h.store.session_of(CHAT).status == "awaiting_input"
    assert h.store.session_of(CHAT).service_id == "svc-catechese"


async def test_a_question_classified_as_the_human_service_is_answered_from_the_facts() -> None:
    h = Harness(FixedClassifier("CONTACT_HUMAIN"))
    out = await h.say("Qui faut-il prévenir pour une bénédiction de maison ?")
    generate = only(out, GenerateReply)
    assert isinstance(generate, GenerateReply)
    assert generate.service == "RENSEIGNEMENT"
    assert h.store.handoffs == []
