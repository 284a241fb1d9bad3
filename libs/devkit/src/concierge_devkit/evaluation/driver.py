"""Playing the cases through the real pipeline: signed webhooks in, the WAHA fake out.

Each case is its own person (a chat id of its own), so cases never influence
each other, and several cases run at once. A turn's messages are posted back
to back (a burst); then the case waits for the first reply (up to
``answer_timeout``, or only ``settle`` once the case was handed to a human,
who answers nobody here) and for ``settle`` seconds of quiet after the last
one, so that every message of the turn (an apology and a handoff notice, a
code accepted and the answer) is counted with it.

Where the caller can see the bus (the in-process stack of the tests), it
passes ``Timing.settled`` instead: a barrier that returns once the pipeline
has handled everything it was given. Then every case plays at once, turn by
turn: when every case still playing has sent its turn, the barrier is awaited
once for all of them, and a turn's replies are exactly what came before it,
however slow the machine.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

import httpx

from concierge_devkit.conversation import Conversation
from concierge_devkit.errors import DevkitError
from concierge_devkit.evaluation.cases import Case
from concierge_devkit.evaluation.judge import Transcript, TurnRecord
from concierge_devkit.evaluation.text import fold
from concierge_devkit.waha_fake import Recorded, WahaFake

log = logging.getLogger(__name__)

CHAT_PREFIX = "33900"  # + 6 digits: the case's position in the set
ALERT_MESSAGE = "Message :"  # the staff alert's line quoting the turn (handoff.phrases.alert)


Barrier = Callable[[], Awaitable[None]]
TurnEnd = Callable[[str, int, bool], Awaitable[None]]  # (chat, texts before, handed off)


@dataclass(frozen=True)
class Timing:
    answer_timeout: float = 20.0
    settle: float = 1.5
    concurrency: int = 12
    settled: Barrier | None = None  # a barrier on the pipeline's own work (see above)


@dataclass(frozen=True)
class Target:
    """Where the pipeline listens, and the staff chat its alerts go to."""

    webhook_url: str
    hmac_key: str
    staff_chat_id: str


class Mailbox:
    """What the WAHA fake was asked to send, per chat; waits for more."""

    def __init__(self) -> None:
        self._texts: dict[str, list[str]] = defaultdict(list)
        self._events: dict[str, asyncio.Event] = {}

    def record(self, recorded: Recorded) -> None:
        """The fake's ``on_send`` callback."""
        chat = str(recorded.body.get("chatId", ""))
        body = recorded.body
        self._texts[chat].append(str(body.get("text", body.get("caption", ""))))
        event = self._events.get(chat)
        if event is not None:
            event.set()

    def texts(self, chat: str) -> list[str]:
        return list(self._texts.get(chat, []))

    async def more_than(self, chat: str, count: int, timeout: float) -> bool:
        """True once ``chat`` got more than ``count`` texts; False after ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        event = self._events.setdefault(chat, asyncio.Event())
        while len(self._texts[chat]) <= count:
            left = deadline - loop.time()
            if left <= 0:
                return False
            event.clear()
            try:
                await asyncio.wait_for(event.wait(), left)
            except TimeoutError:
                return len(self._texts[chat]) > count
        return True

    async def settle(self, chat: str, before: int, *, first: float, quiet: float) -> None:
        """Wait for a first text after ``before`` (``first`` s), then for ``quiet`` s without."""
        if not await self.more_than(chat, before, first):
            return
        while await self.more_than(chat, len(self._texts[chat]), quiet):
            pass


class Rendezvous:
    """Cases waiting for the end of their turn, released together by one barrier.

    Once every case still playing waits here, the barrier runs once and
    releases them all; a case that ends leaves, so the others need not wait for it.
    """

    def __init__(self, barrier: Barrier, players: int) -> None:
        self._barrier = barrier
        self._playing = players
        self._waiting: list[asyncio.Future[None]] = []
        self._releases: set[asyncio.Task[None]] = set()

    async def end_of_turn(self, chat: str, before: int, handed_off: bool) -> None:
        arrived = asyncio.get_running_loop().create_future()
        self._waiting.append(arrived)
        self._release_when_all_wait()
        await arrived

    def leave(self) -> None:
        self._playing -= 1
        self._release_when_all_wait()

    def _release_when_all_wait(self) -> None:
        if self._waiting and len(self._waiting) >= self._playing:
            waiting, self._waiting = self._waiting, []
            release = asyncio.create_task(self._run_barrier(waiting))
            self._releases.add(release)
            release.add_done_callback(self._releases.discard)

    async def _run_barrier(self, waiting: list[asyncio.Future[None]]) -> None:
        try:
            await self._barrier()
        except Exception as exc:
            for future in waiting:
                future.set_exception(exc)
            return
        for future in waiting:
            future.set_result(None)


def quiet_turn_end(mailbox: Mailbox, timing: Timing) -> TurnEnd:
    """The end of a turn seen from outside: a first reply, then ``timing.settle`` s of quiet."""

    async def end_of_turn(chat: str, before: int, handed_off: bool) -> None:
        first = timing.settle if handed_off else timing.answer_timeout
        await mailbox.settle(chat, before, first=first, quiet=timing.settle)

    return end_of_turn


def chat_id(index: int) -> str:
    return f"{CHAT_PREFIX}{index:06d}@c.us"


async def play(
    case: Case,
    person: Conversation,
    mailbox: Mailbox,
    end_of_turn: TurnEnd,
    is_handoff_notice: Callable[[str], bool],
) -> Transcript:
    """Send the case's turns as ``person``; what came back after each."""
    chat = person.chat_id
    turns: list[TurnRecord] = []
    handed_off = False
    for turn in case.turns:
        before = len(mailbox.texts(chat))
        try:
            for text in turn:
                await person.say(text)
        except DevkitError as exc:
            turns.append(TurnRecord(turn, ()))
            return Transcript(case.id, chat, tuple(turns), error=f"not delivered: {exc}")
        await end_of_turn(chat, before, handed_off)
        replies = tuple(mailbox.texts(chat)[before:])
        handed_off = handed_off or any(is_handoff_notice(reply) for reply in replies)
        turns.append(TurnRecord(turn, replies))
    return Transcript(case.id, chat, tuple(turns))


async def play_all(
    cases: Sequence[Case],
    target: Target,
    fake: WahaFake,
    timing: Timing,
    is_handoff_notice: Callable[[str], bool],
) -> list[Transcript]:
    """Play every case; transcripts in the cases' order.

    ``timing.concurrency`` cases at once, each turn ended by quiet; or, with
    ``timing.settled``, every case at once, each turn ended by that barrier.
    """
    mailbox = Mailbox()
    fake.on_send = mailbox.record
    end_of_turn: TurnEnd
    leave: Callable[[], None]
    if timing.settled is not None:
        rendezvous = Rendezvous(timing.settled, len(cases))
        gate = asyncio.Semaphore(len(cases))
        end_of_turn, leave = rendezvous.end_of_turn, rendezvous.leave
    else:
        gate = asyncio.Semaphore(timing.concurrency)
        end_of_turn, leave = quiet_turn_end(mailbox, timing), _stay
    async with httpx.AsyncClient(timeout=10.0) as http:

        async def one(index: int, case: Case) -> Transcript:
            person = Conversation(
                http,
                webhook_url=target.webhook_url,
                hmac_key=target.hmac_key,
                chat_id=chat_id(index),
            )
            async with gate:
                try:
                    return await play(case, person, mailbox, end_of_turn, is_handoff_notice)
                finally:
                    leave()

        transcripts = await asyncio.gather(*(one(i, c) for i, c in enumerate(cases, 1)))
    # The last staff alerts and late replies.
    await (timing.settled() if timing.settled is not None else asyncio.sleep(timing.settle))
    alerts = attribute_alerts(cases, mailbox.texts(target.staff_chat_id))
    return [
        replace(with_late_replies(t, mailbox), staff_alerts=tuple(alerts.get(t.case_id, [])))
        for t in transcripts
    ]


def _stay() -> None:
    """Quiet-ended cases wait for nobody: leaving is nothing."""


def with_late_replies(transcript: Transcript, mailbox: Mailbox) -> Transcript:
    """Replies that came after the case ended count with its last turn (every check sees them)."""
    late = tuple(mailbox.texts(transcript.chat_id)[len(transcript.replies) :])
    if not late or not transcript.turns:
        return transcript
    last = transcript.turns[-1]
    turns = (*transcript.turns[:-1], TurnRecord(last.sent, last.replies + late))
    return replace(transcript, turns=turns)


def attribute_alerts(cases: Sequence[Case], alerts: Sequence[str]) -> dict[str, list[str]]:
    """Staff alerts by case: those quoting a turn or a message that only that case sent."""
    owners: dict[str, set[str]] = defaultdict(set)
    for case in cases:
        for turn in case.turns:
            for said in {" ".join(turn), *turn}:
                owners[fold(said)].add(case.id)
    found: dict[str, list[str]] = defaultdict(list)
    for alert in alerts:
        quoted = _quoted(alert)
        matches = {
            case_id
            for said, ids in owners.items()
            if len(ids) == 1 and quoted and _same_turn(quoted, said)
            for case_id in ids
        }
        if len(matches) == 1:
            found[matches.pop()].append(alert)
    return found


def _quoted(alert: str) -> str:
    for line in alert.splitlines():
        if line.startswith(ALERT_MESSAGE):
            return line[len(ALERT_MESSAGE) :].strip()
    return ""


def _same_turn(quoted: str, folded_said: str) -> bool:
    """The alert quotes the turn (cut when long: then it ends with an ellipsis)."""
    folded = fold(quoted)
    if quoted.endswith("…"):
        return bool(folded) and folded_said.startswith(folded.rsplit(" ", 1)[0])
    return folded == folded_said
