"""The answerer of the ``ai`` flow: which source answers a turn.

A turn with a verified family (CATECHESE, ``GenerateReply.family``) is about
that family when nothing else is asked ("quand est la prochaine séance de
Léa ?"); a general catechism question ("combien coûte l'inscription ?") is
answered from the service's facts; a question about the family that the facts
do not answer falls back to the family. Every other turn is answered from the
facts of its service, or with a courtesy to a bare greeting.

The offline answerer cannot read images: an image's caption is answered like
any text, an image sent alone gets :data:`ai.media_replies.IMAGE_UNREAD`. Nor
can it translate: to a person who wrote in English, Portuguese or Spanish, the
French fact or record comes after a line in their language saying so
(:mod:`ai.language`). A death in the family gets condolences around the
answer and the offer of a person, someone dying or gravely ill a word of sympathy
and the same offer, or, when no fact answers, a gentle handoff; a birth, a coming
wedding or a wedding anniversary, congratulations. The facts are searched for the
event's next step too (a Mass intention, a priest's visit to the sick, a funeral, a
baptism, a wedding): before the message's own words for a Mass intention, a
priest's visit or a funeral named, after them for the others (:mod:`ai.life_events`);
not when the message asks to talk to someone, which goes to a person. A question
the facts do not answer and that is not about the organisation at all gets a
short answer saying so, with what the concierge can help with, instead of a
handoff (:mod:`ai.topic`), and so does one that only the embeddings matched with a
fact ("quel temps fera-t-il ce week-end ?" is not about the office's weekend
hours); so does a question about another place, which the
facts of the organisation's own places only resemble (:mod:`ai.elsewhere`).
Markup a message holds is left out (:mod:`ai.markup`): text wrapped in the
concierge's own tags is not the organisation's information, nor the question.
A message that says something besides its question is searched again with its
last question alone (its sentence, then its clause) when the whole finds nothing,
in the turn's own service before
the other services' facts (:mod:`ai.asked`); the orders and news a message plants
for the assistant are set aside first (:mod:`ai.injected`).
SMS writing is written out before the search and before a life event is looked for
(:mod:`ai.sms`): "enterement ki apeler" is about a funeral.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from zoneinfo import ZoneInfo

from ai import family, injected, media_replies
from ai.another_time import asks_another_time
from ai.answerer import Answer, FactAnswerer, HandOff, courtesy, turn_text
from ai.asked import last_question, names_besides, names_in, question_sentence
from ai.elsewhere import elsewhere, known_words
from ai.facts import Clock, OutOfDate, utc_now
from ai.language import FRENCH, Language, with_lead, written_in
from ai.lexicon import french_gloss
from ai.life_events import (
    NextStep,
    is_bereavement,
    is_grave_illness,
    is_joyful,
    is_urgent,
    next_step,
    with_condolences,
    with_congratulations,
    with_sympathy,
)
from ai.markup import spoken
from ai.on_call import asks_on_call
from ai.scope import asks_for_person, question_periods
from ai.sms import plain
from ai.topic import Subjects, beside_the_answer, off_topic, out_of_scope_reply, vocabulary
from concierge_common.contracts.messages import GenerateReply
from concierge_common.french.absence import says_absence
from concierge_common.french.text import words

SENSITIVE = "ai_sensitive"  # the handoff reason of a message that needs a person's tact


class TurnAnswerer:
    """Answers a turn from the family record or the service's facts."""

    def __init__(
        self,
        facts: FactAnswerer,
        *,
        zone: ZoneInfo,
        clock: Clock = utc_now,
        subjects: Subjects | None = None,
        out_of_date: OutOfDate | None = None,
    ) -> None:
        self._facts = facts
        self._zone = zone
        self._clock = clock
        self._subjects = subjects
        self._out_of_date = out_of_date

    async def answer(self, turn: GenerateReply) -> Answer | HandOff | None:
        # not the facts a message wraps in tags, nor the orders and news it plants
        text = injected.asked(spoken(turn_text(turn)))
        if not text.strip():
            return Answer(media_replies.IMAGE_UNREAD, "courtesy")
        polite = courtesy(text)
        if polite is not None:
            return polite
        language = written_in(text)
        if turn.family is None and await self._elsewhere(turn, text):
            return await self._out_of_scope(language)
        said = plain(text, sms=language == FRENCH)  # "enterement ki apeler": a funeral
        found = await self._looked_up(turn, text, said, language)
        grieving = is_bereavement(said)
        ill = is_grave_illness(said)
        beside = False
        if found is not None and not (grieving or ill):
            # "le code wifi du presbytère ?" is not the family code's question, nor "le bazar,
            # c'est ce week-end ?" the weekend Masses'
            beside = await self._beside(turn, said, found)
            if beside or await self._elsewhen(turn, said, found):
                found = None
        if (grieving or ill) and is_urgent(said):  # a person now, and what helps at once
            helps = "" if found is None else _tactful(found.text, language, grieving=grieving)
            return HandOff(SENSITIVE, "Urgence : décès ou proche mourant", reply=helps)
        if found is None and grieving:
            return HandOff(SENSITIVE, "Décès annoncé")
        if found is None and ill:
            return HandOff(SENSITIVE, "Proche gravement malade")
        if found is None or not found.worded:  # found by meaning alone: is it ours?
            off = await self._off_topic(turn, said, language, everyday_asked=beside)
            if off is not None or found is None:
                return off
        reply = with_lead(found.text, language)
        if grieving:
            reply = with_condolences(reply, language)
        elif ill:
            reply = with_sympathy(reply, language)
        elif is_joyful(said):
            reply = with_congratulations(reply, language)
        return Answer(reply, found.kind, found.sources)

    async def _looked_up(
        self, turn: GenerateReply, text: str, said: str, language: Language
    ) -> Answer | None:
        """The facts that answer the message: the on-call number for a priest needed now,
        the next step of a life event, the message's own words, in that order."""
        person = asks_for_person(said)
        step = None if person else next_step(said, question_sentence(said))  # a person: handed off
        found = None
        if not person and asks_on_call(said):  # a priest now or at night: the on-call number
            found = await self._facts.find_on_call(turn.service, said)
        if found is None and step is not None and step.first:
            found = await self._next_step(turn, step)
        if found is None:
            found = await self._asked(turn, text, language)
        if found is None and step is not None and not step.first:  # whatever the words
            found = await self._next_step(turn, step)
        return found

    async def _next_step(self, turn: GenerateReply, step: NextStep) -> Answer | None:
        """The facts of the next step after a life event (ai.life_events), or None."""
        for search in step.searches:
            found = await self._facts.find(turn.service, search)
            if found is not None:
                return found
        return None

    async def _off_topic(
        self, turn: GenerateReply, text: str, language: Language, *, everyday_asked: bool = False
    ) -> Answer | None:
        """The out-of-scope answer when ``text`` is off the organisation's subjects, else None;
        ``everyday_asked``: its everyday subject is known to be what is asked."""
        if self._subjects is None or turn.family is not None:
            return None
        texts, _ = await self._subjects.subjects()
        if not off_topic(text, vocabulary(texts), everyday_asked=everyday_asked):
            return None
        return await self._out_of_scope(language)

    async def _beside(self, turn: GenerateReply, text: str, found: Answer) -> bool:
        """Whether the question (its last one, in a message with context) names an everyday
        subject that ``found`` does not speak of, nor any other fact of the organisation
        (ai.topic.beside_the_answer): a subject one of its facts speaks of is its own."""
        if self._subjects is None or turn.family is not None:
            return False
        texts, _ = await self._subjects.subjects()
        facts = await self._facts.every_fact(turn.service)
        known = vocabulary([*texts, *(f"{f.title} {f.content}" for f in facts)])
        question = last_question(text) or question_sentence(text) or text
        return beside_the_answer(question, found.text, known)

    async def _elsewhen(self, turn: GenerateReply, text: str, found: Answer) -> bool:
        """Whether the question (its own sentence) names what only the facts of another
        time speak of, and ``found`` does not (ai.another_time)."""
        if self._out_of_date is None or turn.family is not None:
            return False
        out_of_date = await self._out_of_date.out_of_date(turn.service)
        if not out_of_date:
            return False
        valid = await self._facts.every_fact(turn.service)
        # the whole sentence: "le bazar, c'est-tu encore ce week-end ?" names it before its comma
        question = question_sentence(text) or text
        return asks_another_time(question, found.text, out_of_date, valid)

    async def _elsewhere(self, turn: GenerateReply, text: str) -> bool:
        """Whether ``text`` asks about a place that is not the organisation's (ai.elsewhere)."""
        if self._subjects is None:
            return False
        facts = await self._facts.every_fact(turn.service)
        return elsewhere(text, known_words(f"{f.title} {f.content}" for f in facts))

    async def _out_of_scope(self, language: Language) -> Answer:
        labels = (await self._subjects.subjects())[1] if self._subjects is not None else []
        return Answer(out_of_scope_reply(labels, language), "out_of_scope")

    async def _asked(self, turn: GenerateReply, text: str, language: Language) -> Answer | None:
        """The answer to the message, else to its last question alone, its sentence then its
        clause (the context's words may hide the question's): from the turn's service
        first, then from the others. A fact of the turn's service found by meaning alone
        yields to the facts of the others when all the facts ranked together choose theirs
        and the question names their subject."""
        absent = _absent(text)
        searches = [_searched(text, language) + absent]
        questions = [q for q in (question_sentence(text), last_question(text)) if q is not None]
        known = await self._names(turn.service) if questions else frozenset[str]()
        for question in questions:
            names = names_besides(text, question, known)
            search = _searched(f"{question} {names}".strip(), language) + absent
            if search not in searches:
                searches.append(search)
        if turn.family is not None:
            children = family.parse_children(turn.family)
            return await _first(searches, lambda s: self._for_family(turn.service, s, children))
        _, told = question_periods(text)  # the question alone still answers within them
        service = turn.service
        for search in searches:
            found = await self._facts.find_own(service, search, told=told)
            if found is None:
                continue
            if found.worded:
                return found
            # found by meaning alone ("les rencontres de l'aumônerie ?" and the catechism's
            # stages, one of which names it): all the facts ranked together may say better
            beyond = await self._facts.find_beyond(service, search, told=told)
            return beyond if beyond is not None else found
        return await _first(searches, lambda s: self._facts.find_elsewhere(service, s, told=told))

    async def _names(self, service: str) -> frozenset[str]:
        """The names the organisation's facts write (ai.asked.names_in)."""
        facts = await self._facts.every_fact(service)
        return names_in(f"{fact.title} : {fact.content}" for fact in facts)

    async def _for_family(
        self, service: str, text: str, children: tuple[family.Child, ...]
    ) -> Answer | None:
        question = family.read(text, children)
        if children and not question.rest:
            return self._family_answer(question, children)
        # Only what is not about the family: "Thomas a-t-il caté samedi ?" is not
        # a question about the catechism in general.
        found = await self._facts.find(service, " ".join(question.rest))
        if found is not None:
            return found
        if children and (question.aspects or question.children):
            return self._family_answer(question, children)
        return None

    def _family_answer(
        self, question: family.Question, children: tuple[family.Child, ...]
    ) -> Answer:
        return Answer(family.answer(question, children, self._today()), "family")

    def _today(self) -> date:
        return self._clock().astimezone(self._zone).date()


async def _first(
    searches: list[str], find: Callable[[str], Awaitable[Answer | None]]
) -> Answer | None:
    """The answer to the first of ``searches`` that has one."""
    for search in searches:
        found = await find(search)
        if found is not None:
            return found
    return None


def _searched(text: str, language: Language) -> str:
    """What the facts are searched with: SMS written out, and for a question in another
    language, the French words of the lexicon its words mean ("church" -> "église")."""
    if language == FRENCH:
        return plain(text)
    return f"{plain(text, sms=False)} {french_gloss(text)}".strip()


def _absent(text: str) -> str:
    """The word facts write an absence with, when ``text`` says one with a verb ("il ira
    pas au caté cette semaine, je dois le signaler ?"): searched with the whole message
    and with its question alone."""
    return " absence" if says_absence(words(text)) else ""


def _tactful(fact: str, language: Language, *, grieving: bool) -> str:
    """``fact`` for a person in grief (condolences) or whose relative is dying (sympathy)."""
    reply = with_lead(fact, language)
    return with_condolences(reply, language) if grieving else with_sympathy(reply, language)
