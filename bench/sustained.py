"""Sustained throughput: M conversations in a closed loop, messages answered per second.

Each of ``--conversations`` people asks a question, and asks the next one as soon as
the answer arrives (their ``sendText`` reached the WAHA stand-in), for
``--duration`` seconds after ``--warmup-seconds`` (or until ``--messages`` answers
were counted). The answerer is instant (the Messages API stand-in with no delay, or
``--answerer offline``); the router's burst window and the typing pauses are off.

Baseline, in the same run: the same closed loop through the minimal pipeline
(``concurrency_kit.BaselinePipeline``: HTTP -> JetStream -> pull consumer ->
``sendText``) on the same NATS.

    uv run python bench/sustained.py [--conversations 500] [--duration 30]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass

import concurrency_kit as kit
from concierge_devkit.dev_secrets import DevSecrets


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=500, help="people asking in a loop")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds measured")
    parser.add_argument(
        "--messages", type=int, default=0, help="measure until this many answers instead"
    )
    parser.add_argument("--warmup-seconds", type=float, default=5.0, help="loop before measuring")
    parser.add_argument(
        "--answerer",
        choices=("stand-in", "offline"),
        default="stand-in",
        help="ai answers through the Messages API stand-in (0 s) or offline (no API key)",
    )
    parser.add_argument("--connections", type=int, default=64, help="webhook connections")
    kit.add_common_arguments(parser, max_seconds=600.0)
    return parser.parse_args(argv)


class ClosedLoop:
    """Every chat asks again once its previous question was answered."""

    def __init__(self, webhooks: kit.Webhooks, waha: kit.WahaStandIn, chats: list[str]) -> None:
        self._webhooks = webhooks
        self._waha = waha
        self._chats = set(chats)
        self.asked: Counter[str] = Counter()
        self.refused = 0
        self._running = False
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._waha.on_text = self._answered
        self._running = True
        for chat in self._chats:
            self._ask(chat)

    async def stop(self) -> None:
        """No new question from now on; the ones being posted finish."""
        self._running = False
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._waha.on_text = None

    def answered_between(self, start: float, end: float) -> int:
        return sum(
            start <= moment < end
            for chat in self._chats
            for moment in self._waha.texts.get(chat, ())
        )

    def _answered(self, chat: str, _at: float) -> None:
        if self._running and chat in self._chats and self._waha.sent(chat) >= self.asked[chat]:
            self._ask(chat)

    def _ask(self, chat: str) -> None:
        self.asked[chat] += 1
        wire = self._webhooks.encode(chat, f"{kit.QUESTION} (question {self.asked[chat]})")
        task = asyncio.create_task(self._post(wire))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post(self, wire: bytes) -> None:
        _, status = await self._webhooks.post(wire)
        if status != "200":
            self.refused += 1


@dataclass(frozen=True)
class Throughput:
    answered: int
    seconds: float
    asked: int

    @property
    def rate(self) -> float:
        return self.answered / self.seconds if self.seconds > 0 else float("nan")

    def line(self, side: str, conversations: int) -> str:
        turn = conversations / self.rate if self.rate > 0 else float("nan")
        return (
            f"{side:<10} {conversations:>6} {self.seconds:>8.1f} {self.answered:>9} "
            f"{self.rate:>9.1f} {kit.millis(turn):>10}"
        )


HEADER = f"{'side':<10} {'convs':>6} {'seconds':>8} {'answered':>9} {'msg/s':>9} {'turn':>10}"


async def loop_for(
    args: argparse.Namespace,
    webhooks: kit.Webhooks,
    waha: kit.WahaStandIn,
    phase: int,
    deadline: kit.Deadline,
    problems: kit.Problems,
    *,
    answer: str = kit.ANSWER,
) -> tuple[Throughput, bool]:
    """Run the closed loop; what was answered in the measured window, and whether it drained."""
    chats = [kit.chat_of(phase, i) for i in range(args.conversations)]
    loop = ClosedLoop(webhooks, waha, chats)
    loop.start()
    try:
        await deadline.wait_for(asyncio.sleep(args.warmup_seconds), "in the warm-up")
        start = time.monotonic()
        if args.messages:
            while loop.answered_between(start, time.monotonic()) < args.messages:
                deadline.check("before --messages answers")
                await asyncio.sleep(0.02)
        else:
            await deadline.wait_for(asyncio.sleep(args.duration), "while measuring")
        end = time.monotonic()
    finally:
        await loop.stop()
    result = Throughput(loop.answered_between(start, end), end - start, sum(loop.asked.values()))
    drained = await kit.wait_replies(waha, loop.asked, deadline, "before the last answers")
    problems.replies(waha, loop.asked, answer=answer, complete=drained)
    if loop.refused:
        problems.add(f"{loop.refused} webhook(s) not answered 200")
    return result, drained


async def measure(args: argparse.Namespace) -> int:
    deadline = kit.Deadline(args.max_seconds)
    window = f"{args.messages} answers" if args.messages else f"{args.duration:g} s"
    print(
        f"sustained: {args.conversations} conversations in a closed loop, {window} measured "
        f"after {args.warmup_seconds:g} s; answerer: {args.answerer} (instant); "
        f"{'production pacing' if args.production_pacing else 'no burst window, no typing pauses'}"
    )
    print(f"before the run: {kit.load_line()}", flush=True)
    secrets = DevSecrets.generate()
    llm = kit.LlmStandIn(delay=0.0)
    waha = kit.WahaStandIn(secrets.waha_api_key)
    problems = kit.Problems()
    async with AsyncExitStack() as exits:
        await kit.start_stand_ins(exits, llm.server, waha.server)

        async with AsyncExitStack() as side:
            pipeline = kit.BaselinePipeline(args.nats_url, waha)
            await deadline.wait_for(pipeline.start(side), "while starting the baseline pipeline")
            webhooks = kit.Webhooks(
                pipeline.webhook_url, secrets.webhook_hmac_key, connections=args.connections
            )
            side.push_async_callback(webhooks.close)
            meter = await kit.CpuMeter(pipeline.pids).start()
            base, _ = await loop_for(args, webhooks, waha, 2, deadline, problems)
            base_cpu = await meter.stop()
            problems.requests(waha, webhooks)
        waha.reset()
        print(f"\n{HEADER}\n{base.line('baseline', args.conversations)}", flush=True)

        llm_url = llm.url if args.answerer == "stand-in" else ""
        stack = kit.ConciergeStack(kit.StackOptions.from_args(args, llm_url=llm_url), waha, secrets)
        await deadline.wait_for(stack.start(exits), "while starting the services")
        webhooks = kit.Webhooks(
            stack.webhook_url, secrets.webhook_hmac_key, connections=args.connections
        )
        exits.push_async_callback(webhooks.close)
        answer = kit.ANSWER if llm_url else ""
        await kit.warm_up(stack, webhooks, 16, deadline, problems, answer=answer)
        llm.reset()
        meter = await kit.CpuMeter(stack.pids, stack.database_url).start()
        result, drained = await loop_for(args, webhooks, waha, 3, deadline, problems, answer=answer)
        cpu = await meter.stop()
        if drained:
            await stack.settle(deadline, "settling after the loop")
        problems.requests(waha, webhooks)
        await problems.stack(stack, llm if llm_url else None)

        print(result.line("concierge", args.conversations))
        print(f"\nratio msg/s (concierge/baseline): {kit.ratio(result.rate, base.rate):.2f}")
        print(f"\nbaseline  {base_cpu.line()}")
        print(f"concierge {cpu.line()}")
        print(
            f"stack: namespace {stack.namespace}; stand-in LLM calls {llm.calls}, "
            f"peak in flight {llm.peak}"
        )
        stack.print_log_notes()
        print(f"after the run: {kit.load_line()}\n")
        problems.report()
        if problems.lines:
            return kit.EXIT_BROKEN
        return kit.EXIT_OK if drained else kit.EXIT_CAPPED


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return kit.run(lambda: measure(args))


if __name__ == "__main__":
    sys.exit(main())
