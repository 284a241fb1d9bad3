"""Playing cases: waiting for a turn's replies, staff alerts by case, the parish's dates moved."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import msgspec
import pytest

from concierge_devkit.evaluation.cases import Case
from concierge_devkit.evaluation.driver import (
    Mailbox,
    Rendezvous,
    Timing,
    attribute_alerts,
    chat_id,
    play,
    quiet_turn_end,
    with_late_replies,
)
from concierge_devkit.evaluation.judge import Transcript, TurnRecord
from concierge_devkit.evaluation.parish import (
    load_seed,
    parish_of,
    reference_moment,
    shift_days,
    shifted,
)
from concierge_devkit.waha_fake import Recorded
from support.polling import HANG_GUARD

CHAT = chat_id(1)


def sent(chat: str, text: str) -> Recorded:
    return Recorded("sendText", {}, {"chatId": chat, "text": text, "session": "default"})


def case(case_id: str, *turns: tuple[str, ...]) -> Case:
    return Case(id=case_id, tags=(), turns=turns, expect="handoff")


class Person:
    """Stands in for the webhook poster: the concierge's scripted replies to each message."""

    def __init__(self, mailbox: Mailbox, replies: dict[str, list[str]]) -> None:
        self.chat_id = CHAT
        self.said: list[str] = []
        self._mailbox = mailbox
        self._replies = replies

    async def say(self, text: str) -> None:
        self.said.append(text)
        for index, reply in enumerate(self._replies.get(text, [])):
            asyncio.get_running_loop().call_later(0.05 * (index + 1), self._send, reply)

    def _send(self, reply: str) -> None:
        self._mailbox.record(sent(CHAT, reply))


async def test_a_turn_collects_every_reply_until_the_chat_is_quiet() -> None:
    mailbox = Mailbox()
    person: Any = Person(
        mailbox, {"question": ["Je n'ai pas trouvé.", "Je transmets votre demande."]}
    )
    timing = Timing(answer_timeout=2.0, settle=0.3)
    transcript = await play(
        case("c", ("question",)),
        person,
        mailbox,
        quiet_turn_end(mailbox, timing),
        lambda text: "transmets" in text,
    )
    assert transcript.turns == (
        TurnRecord(("question",), ("Je n'ai pas trouvé.", "Je transmets votre demande.")),
    )


async def test_after_a_handoff_a_silent_turn_does_not_wait_for_the_answer_timeout() -> None:
    mailbox = Mailbox()
    person: Any = Person(mailbox, {"humain": ["Je transmets votre demande."]})
    # The answer timeout far above the hang guard: waiting for it fails the test, however
    # fast or slow the machine runs the turns.
    timing = Timing(answer_timeout=3600.0, settle=0.2)
    transcript = await asyncio.wait_for(
        play(
            case("c", ("humain",), ("allô ?",)),
            person,
            mailbox,
            quiet_turn_end(mailbox, timing),
            lambda text: "transmets" in text,
        ),
        timeout=HANG_GUARD,
    )
    assert [turn.replies for turn in transcript.turns] == [("Je transmets votre demande.",), ()]
    assert person.said == ["humain", "allô ?"]


class CountingBarrier:
    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> None:
        self.calls += 1


async def test_the_rendezvous_waits_for_every_case_then_runs_the_barrier_once_for_all() -> None:
    barrier = CountingBarrier()
    rendezvous = Rendezvous(barrier, players=2)
    first = asyncio.create_task(rendezvous.end_of_turn("a@c.us", 0, False))
    await asyncio.sleep(0)  # the first case is now waiting for the second
    assert barrier.calls == 0
    assert not first.done()
    await rendezvous.end_of_turn("b@c.us", 0, False)
    await first
    assert barrier.calls == 1


async def test_a_case_that_ends_does_not_hold_the_others_at_the_rendezvous() -> None:
    barrier = CountingBarrier()
    rendezvous = Rendezvous(barrier, players=2)
    waiting = asyncio.create_task(rendezvous.end_of_turn("a@c.us", 0, False))
    await asyncio.sleep(0)
    rendezvous.leave()
    await waiting
    assert barrier.calls == 1


async def test_a_failing_barrier_fails_every_case_it_would_release() -> None:
    async def broken() -> None:
        raise RuntimeError("bus down")

    rendezvous = Rendezvous(broken, players=2)
    first = asyncio.create_task(rendezvous.end_of_turn("a@c.us", 0, False))
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="bus down"):
        await rendezvous.end_of_turn("b@c.us", 0, False)
    with pytest.raises(RuntimeError, match="bus down"):
        await first


async def test_the_mailbox_keeps_each_chat_apart_and_says_when_nothing_came() -> None:
    mailbox = Mailbox()
    mailbox.record(sent("a@c.us", "pour a"))
    assert mailbox.texts("a@c.us") == ["pour a"]
    assert mailbox.texts("b@c.us") == []
    assert not await mailbox.more_than("b@c.us", 0, 0.05)
    assert await mailbox.more_than("a@c.us", 0, 0.05)


def test_late_replies_count_with_the_last_turn() -> None:
    mailbox = Mailbox()
    for text in ("réponse", "notice tardive"):
        mailbox.record(sent(CHAT, text))
    transcript = Transcript("c", CHAT, (TurnRecord(("q",), ("réponse",)),))
    late = with_late_replies(transcript, mailbox)
    assert late.turns == (TurnRecord(("q",), ("réponse", "notice tardive")),)


def alert(quoted: str) -> str:
    return (
        f"🔔 Nouvelle demande H1234\nMotif : ...\nDe : (nom inconnu)\nMessage : {quoted}\nPour..."
    )


def test_a_staff_alert_goes_to_the_only_case_that_sent_what_it_quotes() -> None:
    cases = [
        case("a", ("humain",)),
        case("b", ("humain",)),
        case("c", ("bonjour", "je voudrais parler à quelqu'un")),
        case("d", ("Le parvis sera-t-il fleuri ?",)),
    ]
    alerts = [
        alert("humain"),  # sent by two cases: nobody's
        alert("bonjour je voudrais parler à quelqu'un"),  # a burst, as the router quotes it
        alert("Le parvis sera-t-il fleuri ?"),
        alert("autre chose"),
    ]
    found = attribute_alerts(cases, alerts)
    assert found == {"c": [alerts[1]], "d": [alerts[2]]}


def test_a_long_quote_cut_by_the_alert_still_matches() -> None:
    long = "mot " * 200
    cut = long[:120].rstrip() + "…"
    assert attribute_alerts([case("a", (long,))], [alert(cut)]) == {"a": [alert(cut)]}


def test_dates_are_moved_so_that_today_stands_for_the_reference_date() -> None:
    seed = load_seed()
    days = shift_days(date(2026, 11, 25), date(2027, 3, 4))
    moved = shifted(seed, days)
    before, after = parish_of(seed), parish_of(moved)
    now = reference_moment(date(2026, 11, 25)) + timedelta(days=days)
    valid_then = {f.title for f in before.facts if f.valid_at(reference_moment(date(2026, 11, 25)))}
    assert {f.title for f in after.facts if f.valid_at(now)} == valid_then
    assert "Messes de l'été 2026" not in valid_then
    assert "Messes du dimanche" in valid_then
    first = seed.families[0].attributes["children"][0]["next_sessions"][0]
    moved_first = moved.families[0].attributes["children"][0]["next_sessions"][0]
    assert date.fromisoformat(moved_first) - date.fromisoformat(first) == timedelta(days=days)
    assert msgspec.json.encode(shifted(seed, 0)) == msgspec.json.encode(seed)


def test_a_fact_without_dates_is_left_as_seeded() -> None:
    moved = shifted(load_seed(), 40)
    address = parish_of(moved).fact("Adresse et accès à l'église")
    assert address is not None
    assert (address.valid_from, address.valid_to) == (None, None)


def test_sessions_with_a_time_or_a_place_are_moved_too() -> None:
    seed = load_seed()
    family = seed.families[0]
    child = dict(family.attributes["children"][0])
    child["next_sessions"] = [
        "2026-12-02",
        "2026-12-09T10:30",
        {"date": "2026-12-16", "time": "17:00", "place": "église"},
    ]
    attributes = {**family.attributes, "children": [child]}
    one = msgspec.structs.replace(
        seed, families=[msgspec.structs.replace(family, attributes=attributes)]
    )
    moved = shifted(one, 3).families[0].attributes["children"][0]["next_sessions"]
    assert moved == [
        "2026-12-05",
        "2026-12-12T10:30",
        {"date": "2026-12-19", "time": "17:00", "place": "église"},
    ]
