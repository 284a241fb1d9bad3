"""Several replicas of every service, as processes: each message answered once, in order.

Every service runs as real processes (:mod:`support.replicas`): two replicas of
each of the gateway's outbound role, router, ai, handoff and store, one
gateway API. Thirty people each ask six questions, one after the other, the
answers of the seeded parish telling which question a reply answers. Whatever
happens to the replicas (none, ``kill -9``, SIGTERM, one more joining), each
message must get exactly one reply, a person's replies must come in the order
of the questions, and nothing may be dead-lettered.

Short leases and ack deadlines (``SETTINGS``) keep the takeovers quick; the
outbound gateway's ack deadline is ``WAHA_TIMEOUT_SECONDS`` + 15 s whatever
``BUS_ACK_WAIT_SECONDS`` says (gateway.service), so a killed gateway's
partitions wait that long for their deliveries to come back. A gateway is
killed only once none of its sends is between its claim and WAHA
(:mod:`support.waha_gate`): a send cut there is in doubt for good and, by
design, handed to a human rather than sent twice, which is not what these
tests are about.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from support import fixtures
from support.polling import HANG_GUARD, eventually, wait_until
from support.replicas import CONSUMING, Deployment, owned_by_log, running_deployment
from support.service_processes import ServiceProcess
from support.settling import drained

pytestmark = pytest.mark.slow

SETTINGS = {
    "BUS_PARTITIONS": "16",
    "BUS_LEASE_SECONDS": "3",
    "BUS_ACK_WAIT_SECONDS": "3",
    "WAHA_TIMEOUT_SECONDS": "6",
    # Room to settle what a SIGTERMed replica holds on a loaded machine.
    "SHUTDOWN_GRACE_SECONDS": "15",
}

# Questions the seeded parish answers, each with an answer of its own, whatever came before.
QUESTIONS = (
    "Quels sont les horaires des messes ?",
    "Quand est ouvert l'accueil ?",
    "baptême de mon bébé",
    "je voudrais me marier",
    "confessions",
    "obsèques",
    "catéchisme",
)
CHATS = 30
ASKED = 6  # questions per person
FIRST_HALF = range(ASKED // 2)
SECOND_HALF = range(ASKED // 2, ASKED)

IN_FLIGHT = "concierge_bus_in_flight"
QUEUED = "concierge_bus_mailbox_depth"
HANDLED = "concierge_bus_messages_handled_total"
PENDING_TAKEOVER = "partition taken with deliveries pending; waiting for them to come back"
GRACE_OVER = "grace period over; abandoning what is still running"


@dataclass
class Load:
    """Who asks what, and the reply (its WhatsApp messages) each question gets."""

    answers: dict[int, list[str]]
    plan: dict[str, list[int]]

    @classmethod
    async def calibrated(cls, deployment: Deployment) -> Load:
        """Ask each question once, in a chat of its own, to learn its answer."""
        chats = {question: f"3364000{question:04d}@c.us" for question in range(len(QUESTIONS))}
        for question, chat in chats.items():
            response = await deployment.post(fixtures.text_message(chat, QUESTIONS[question]))
            assert response.status_code == 200
        await deployment.waha.wait_for_texts(len(chats), timeout=HANG_GUARD)
        await drained(deployment.env["NATS_URL"], deployment.topology)
        replies = _replies(deployment)
        answers = {question: replies[chat] for question, chat in chats.items()}
        assert all(answers.values()), answers
        texts = [tuple(texts) for texts in answers.values()]
        assert len(set(texts)) == len(texts), "two questions have the same answer"
        plan = {
            f"3365000{chat:04d}@c.us": [(chat + k) % len(QUESTIONS) for k in range(ASKED)]
            for chat in range(CHATS)
        }
        return cls(answers, {**{chat: [q] for q, chat in chats.items()}, **plan})

    @property
    def people(self) -> dict[str, list[int]]:
        """The chats of the load (not the calibration's)."""
        return {chat: questions for chat, questions in self.plan.items() if len(questions) > 1}

    async def ask(self, deployment: Deployment, rounds: range) -> None:
        """Everybody asks their questions number ``rounds``: a chat's one after the other
        (each stored on the bus before the next is posted), the chats at the same time."""

        async def person(chat: str, questions: list[int]) -> None:
            for number in rounds:
                body = fixtures.text_message(chat, QUESTIONS[questions[number]])
                response = await deployment.post(body)
                assert response.status_code == 200, response.text

        await asyncio.gather(*(person(chat, questions) for chat, questions in self.people.items()))

    def expected_texts(self) -> int:
        return sum(len(self.answers[q]) for questions in self.plan.values() for q in questions)

    async def check(self, deployment: Deployment) -> None:
        """Every question answered exactly once, each person's in order, no dead letter."""
        with contextlib.suppress(TimeoutError):  # some are missing: the comparison names them
            await deployment.waha.wait_for_texts(self.expected_texts(), timeout=HANG_GUARD)
        await drained(deployment.env["NATS_URL"], deployment.topology)
        replies = _replies(deployment)
        problems = []
        for chat, questions in self.plan.items():
            expected = [text for q in questions for text in self.answers[q]]
            got = replies.pop(chat, [])
            if got != expected:
                problems.append(
                    f"{chat}: replies answer {self._which(got)}, expected {self._which(expected)}"
                )
        problems += [f"{chat}: unexpected replies {texts}" for chat, texts in replies.items()]
        assert not problems, "\n".join(problems)
        assert not deployment.waha.invalid
        assert await deployment.dead_letters() == 0

    def _which(self, texts: list[str]) -> list[str]:
        """Each text named by the question it answers (part numbers for long answers)."""
        names = {}
        for question, parts in self.answers.items():
            for number, text in enumerate(parts, start=1):
                names[text] = f"q{question}" + (f".{number}" if len(parts) > 1 else "")
        return [names.get(text, f"?{text[:30]!r}") for text in texts]


def _replies(deployment: Deployment) -> dict[str, list[str]]:
    """The texts sent to each chat, in the order WAHA received them."""
    replies: dict[str, list[str]] = defaultdict(list)
    for item in deployment.waha.sent_texts:
        replies[item.body["chatId"]].append(item.body["text"])
    return replies


async def _holding(deployment: Deployment, process: ServiceProcess) -> int:
    """Deliveries ``process`` holds (running or queued in a mailbox), by its metrics."""
    metrics = await process.metrics(deployment.http)
    service = process.service
    return int(metrics.value(IN_FLIGHT, service=service) + metrics.value(QUEUED, service=service))


async def _when_holding(
    deployment: Deployment, process: ServiceProcess, or_when: Callable[[], bool]
) -> None:
    """Return as soon as ``process`` holds deliveries, or ``or_when()`` holds."""

    async def holding() -> bool:
        return or_when() or await _holding(deployment, process) > 0

    await eventually(holding)


async def _handled(deployment: Deployment, process: ServiceProcess) -> float:
    metrics = await process.metrics(deployment.http)
    return metrics.value(HANDLED, service=process.service, outcome="acked")


async def _assigned_everywhere(deployment: Deployment) -> None:
    for service in CONSUMING:
        await deployment.wait_assigned(service)


def _started(coroutine: Awaitable[None]) -> asyncio.Task[None]:
    return asyncio.ensure_future(coroutine)


async def test_two_replicas_of_each_share_the_partitions_and_answer_once_in_order(
    env: dict[str, str], tmp_path: Path
) -> None:
    async with running_deployment(env, tmp_path, settings=SETTINGS) as deployment:
        await _assigned_everywhere(deployment)
        load = await Load.calibrated(deployment)

        await load.ask(deployment, range(ASKED))
        await load.check(deployment)

        # Both replicas of each service did part of the work, and still share the partitions.
        for service in ("gateway", "router", "ai", "store"):
            for process in deployment.replicas[service]:
                assert await _handled(deployment, process) > 0, process.label
        await _assigned_everywhere(deployment)


async def test_kill_9_of_a_router_an_ai_and_an_outbound_gateway_loses_and_doubles_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    async with running_deployment(env, tmp_path, settings=SETTINGS) as deployment:
        await _assigned_everywhere(deployment)
        load = await Load.calibrated(deployment)
        router, ai, gateway = (deployment.replicas[name][0] for name in ("router", "ai", "gateway"))
        left_behind: Counter[str] = Counter()

        # Replies are stored by WAHA but answered only when the gate opens: the gateways'
        # handlers stay in their sends, the deliveries they hold stay unacknowledged.
        deployment.waha.hold_answers()
        asking = _started(load.ask(deployment, FIRST_HALF))
        for victim in (router, ai):
            await _when_holding(deployment, victim, asking.done)
            victim.kill()
            left_behind[victim.label] = await deployment.pending_of(
                victim.service, owned_by_log(victim)
            )
        await _when_holding(deployment, gateway, lambda: False)
        # No send between its claim and WAHA any more (support.waha_gate): kill now.
        deployment.waha.hold_new_ids()
        await wait_until(lambda: deployment.waha.claims_underway() <= 0)
        gateway.kill()
        left_behind[gateway.label] = await deployment.pending_of("gateway", owned_by_log(gateway))
        deployment.waha.open()
        await asking
        for victim in (router, ai, gateway):
            assert await victim.wait_exit() == -9
        print(f"deliveries the killed replicas left unacknowledged: {dict(left_behind)}")
        # The gateway's are certain (held at WAHA when it died): its survivor took them over.
        assert left_behind[gateway.label] > 0

        await load.ask(deployment, SECOND_HALF)
        await load.check(deployment)

        # The survivors own everything, and waited for the deliveries left behind.
        for victim in (router, ai, gateway):
            survivor = deployment.replicas[victim.service][1]
            assert await deployment.owned(survivor) == deployment.partitions
            if left_behind[victim.label]:
                assert survivor.logged(PENDING_TAKEOVER), survivor.label


async def test_sigterm_of_one_replica_of_each_hands_back_within_its_grace(
    env: dict[str, str], tmp_path: Path
) -> None:
    async with running_deployment(env, tmp_path, settings=SETTINGS) as deployment:
        await _assigned_everywhere(deployment)
        load = await Load.calibrated(deployment)
        victims = [deployment.replicas[service][0] for service in CONSUMING]

        asking = _started(load.ask(deployment, FIRST_HALF))
        for victim in victims:
            if victim.service != "handoff":  # nothing of this load goes through handoff
                await _when_holding(deployment, victim, asking.done)
            victim.terminate()
        await asking
        await load.ask(deployment, SECOND_HALF)
        await load.check(deployment)

        for victim in victims:
            assert await victim.wait_exit() == 0, victim.output()[-3000:]
            # Everything it owned was handed back settled (its leases freed), in its grace.
            assert not victim.logged(GRACE_OVER), victim.label
            handed_back = _since_the_signal(victim, "partition handed back")
            assert handed_back, victim.label
            assert all(record.get("settled") for record in handed_back), victim.label
            assert victim.logged("service stopped"), victim.label
        for victim in victims:
            survivor = deployment.replicas[victim.service][1]
            assert await deployment.owned(survivor) == deployment.partitions, survivor.label


def _since_the_signal(process: ServiceProcess, message: str) -> list[dict[str, object]]:
    """The log records ``message`` of ``process`` after it received its stop signal."""
    records = process.log_records()
    signals = [i for i, r in enumerate(records) if r.get("msg") == "stop signal received"]
    assert signals, f"{process.label} did not receive its stop signal"
    return [record for record in records[signals[-1] :] if record.get("msg") == message]


async def test_a_router_joining_mid_load_takes_its_share(
    env: dict[str, str], tmp_path: Path
) -> None:
    async with running_deployment(env, tmp_path, settings=SETTINGS) as deployment:
        await _assigned_everywhere(deployment)
        load = await Load.calibrated(deployment)
        before = await deployment.wait_assigned("router")

        asking = _started(load.ask(deployment, FIRST_HALF))
        first = deployment.replicas["router"][0]
        await _when_holding(deployment, first, asking.done)
        newcomer = await deployment.add_replica("router")
        await newcomer.wait_ready(deployment.http)

        async def newcomer_heard() -> set[str]:  # its first heartbeat follows its start
            return await deployment.instances("router") - before

        (joined,) = await eventually(newcomer_heard)
        await deployment.wait_assigned("router", before | {joined})
        await asking
        await load.ask(deployment, SECOND_HALF)
        await load.check(deployment)

        # Still where rendezvous hashing puts them among the three.
        await deployment.wait_assigned("router", before | {joined})
